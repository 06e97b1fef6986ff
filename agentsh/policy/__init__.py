"""The pure policy engine: bash text in, a `Verdict` out, no I/O.

Layout: `model` (data), `argv` (option parsing shared by rules), the parser and
engine, and one module per tool family. A family module exposes

    PROGRAMS: frozenset[str]          # program basenames it judges
    NPM_PACKAGES: Mapping[str, str]   # optional: package name -> program (npx @railway/cli)
    def classify(cmd: SimpleCommand, ctx: Context) -> list[Finding]

and returns no findings for a command it considers harmless. Nothing in this
package may read files, the environment, or start processes.
"""
