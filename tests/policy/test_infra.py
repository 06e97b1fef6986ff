"""Rules for Terraform, Pulumi, kubectl, Helm and Docker: what is held, what stays allowed."""

from __future__ import annotations

from typing import Any

import pytest

from agentsh import records
from agentsh.policy import infra
from agentsh.policy.model import Context, Decision, SimpleCommand

from .helpers import CTX, cmd, decision_of

ALLOW = Decision.ALLOW
CONFIRM = Decision.CONFIRM


def judge(line: str, ctx: Context = CTX, **changes: Any) -> tuple[Decision, list[str]]:
    """Classify `line`; `changes` set other SimpleCommand fields (remote, env, ...)."""
    findings = infra.classify(records.replace(cmd(line), **changes), ctx)
    return decision_of(findings), [f.rule for f in findings]


def only_message(line: str, **changes: Any) -> str:
    findings = infra.classify(records.replace(cmd(line), **changes), CTX)
    assert len(findings) == 1, findings
    return findings[0].message


def check(line: str, expected: Decision, rule: str | None) -> None:
    decision, rules = judge(line)
    assert decision == expected, (line, rules)
    if rule is None:
        assert rules == []
    else:
        assert f"infra.{rule}" in rules, (line, rules)


TERRAFORM = [
    ("terraform destroy -auto-approve", CONFIRM, "terraform-destroy"),
    ("tofu destroy", CONFIRM, "terraform-destroy"),
    ("terraform apply -destroy -auto-approve", CONFIRM, "terraform-destroy"),
    ("terraform -chdir=infra/prod apply", CONFIRM, "terraform-apply"),
    ("terraform apply -auto-approve", CONFIRM, "terraform-apply"),
    ("terraform apply tfplan", CONFIRM, "terraform-apply"),
    (
        "terraform apply --auto-approve -var 'region=eu' -target=aws_s3_bucket.x",
        CONFIRM,
        "terraform-apply",
    ),
    ("tofu apply -refresh-only", CONFIRM, "terraform-state"),
    ("terraform refresh", CONFIRM, "terraform-state"),
    ("terraform import aws_instance.web i-123", CONFIRM, "terraform-state"),
    ("terraform state rm aws_s3_bucket.logs", CONFIRM, "terraform-state"),
    ("terraform state mv a.b c.d", CONFIRM, "terraform-state"),
    ("terraform state push terraform.tfstate", CONFIRM, "terraform-state"),
    ("terraform state replace-provider hashicorp/aws acme/aws", CONFIRM, "terraform-state"),
    ("terraform workspace delete staging", CONFIRM, "terraform-state"),
    ("terraform taint aws_instance.web", CONFIRM, "terraform-state"),
    ("terraform untaint aws_instance.web", CONFIRM, "terraform-state"),
    ("terraform force-unlock 1234-abcd", CONFIRM, "terraform-state"),
    ("terraform init -migrate-state", CONFIRM, "terraform-state"),
    ("terraform state pull", CONFIRM, "terraform-secrets"),
    ("terraform output -json", CONFIRM, "terraform-secrets"),
    ("terraform output -raw db_password", CONFIRM, "terraform-secrets"),
    ("terraform show -json", CONFIRM, "terraform-secrets"),
    ("terraform console", CONFIRM, "terraform-secrets"),
    ("terraform test", CONFIRM, "terraform-test"),
    ("terraform frobnicate", CONFIRM, "unknown-verb"),
    ("terraform $VERB", CONFIRM, "dynamic-verb"),
    ("terragrunt run-all destroy", CONFIRM, "terraform-destroy"),
    ("terragrunt destroy-all", CONFIRM, "terraform-destroy"),
    ("terragrunt run --all -- apply -auto-approve", CONFIRM, "terraform-apply"),
    ("terragrunt apply", CONFIRM, "terraform-apply"),
    ("terragrunt exec -- aws s3 ls", CONFIRM, "terraform-apply"),
    ("terragrunt backend delete", CONFIRM, "terraform-state"),
    ("cdktf deploy api", CONFIRM, "terraform-apply"),
    ("cdktf destroy", CONFIRM, "terraform-destroy"),
    # Reads and local work.
    ("terraform plan", ALLOW, None),
    ("terraform plan -destroy -out=tfplan", ALLOW, None),
    ("terraform -chdir=infra plan -var-file=prod.tfvars", ALLOW, None),
    ("terraform validate", ALLOW, None),
    ("terraform fmt -recursive", ALLOW, None),
    ("terraform init -upgrade", ALLOW, None),
    ("terraform show", ALLOW, None),
    ("terraform show tfplan", ALLOW, None),
    ("terraform output", ALLOW, None),
    ("terraform state list", ALLOW, None),
    ("terraform state show aws_s3_bucket.logs", ALLOW, None),
    ("terraform workspace select dev", ALLOW, None),
    ("terraform workspace list", ALLOW, None),
    ("terraform version", ALLOW, None),
    ("terraform providers", ALLOW, None),
    ("terraform graph", ALLOW, None),
    ("terraform", ALLOW, None),
    ("terraform -help", ALLOW, None),
    ("terraform destroy -help", ALLOW, None),
    ("tofu plan", ALLOW, None),
    ("terragrunt plan", ALLOW, None),
    ("terragrunt run -- plan", ALLOW, None),
    ("terragrunt run-all plan", ALLOW, None),
    ("terragrunt hclfmt", ALLOW, None),
    ("cdktf synth", ALLOW, None),
    ("cdktf diff", ALLOW, None),
]

PULUMI = [
    ("pulumi up --yes -s prod", CONFIRM, "pulumi-up"),
    ("pulumi update", CONFIRM, "pulumi-up"),
    ("pulumi watch", CONFIRM, "pulumi-up"),
    ("pulumi deployment run", CONFIRM, "pulumi-up"),
    ("pulumi destroy --yes", CONFIRM, "pulumi-destroy"),
    ("pulumi down -s dev", CONFIRM, "pulumi-destroy"),
    ("pulumi dn", CONFIRM, "pulumi-destroy"),
    ("pulumi stack rm prod --force", CONFIRM, "pulumi-destroy"),
    ("pulumi refresh --yes", CONFIRM, "pulumi-state"),
    ("pulumi import aws:s3/bucket:Bucket b my-bucket", CONFIRM, "pulumi-state"),
    ("pulumi cancel", CONFIRM, "pulumi-state"),
    (
        "pulumi state delete 'urn:pulumi:prod::app::aws:s3/bucket:Bucket::b'",
        CONFIRM,
        "pulumi-state",
    ),
    ("pulumi state unprotect urn:x", CONFIRM, "pulumi-state"),
    ("pulumi stack import --file state.json", CONFIRM, "pulumi-state"),
    ("pulumi stack output --show-secrets", CONFIRM, "pulumi-secrets"),
    ("pulumi config --show-secrets", CONFIRM, "pulumi-secrets"),
    ("pulumi env open acme/prod", CONFIRM, "pulumi-secrets"),
    ("pulumi env get acme/prod --show-secrets", CONFIRM, "pulumi-secrets"),
    ("pulumi env set acme/prod db.password s3cret --secret", CONFIRM, "pulumi-cloud-write"),
    ("pulumi policy publish acme", CONFIRM, "pulumi-cloud-write"),
    ("pulumi frobnicate", CONFIRM, "unknown-verb"),
    ("pulumi preview", ALLOW, None),
    ("pulumi pre -s prod", ALLOW, None),
    ("pulumi destroy --preview-only", ALLOW, None),
    ("pulumi refresh --preview-only", ALLOW, None),
    ("pulumi stack ls", ALLOW, None),
    ("pulumi stack output", ALLOW, None),
    ("pulumi stack select dev", ALLOW, None),
    ("pulumi state protect urn:x", ALLOW, None),
    ("pulumi config set --secret dbPassword hunter2", ALLOW, None),
    ("pulumi env get acme/prod", ALLOW, None),
    ("pulumi whoami", ALLOW, None),
    ("pulumi version", ALLOW, None),
    ("pulumi about", ALLOW, None),
    ("pulumi logs -f", ALLOW, None),
    ("pulumi up --help", ALLOW, None),
]

KUBECTL = [
    ("kubectl delete namespace production", CONFIRM, "kubectl-delete"),
    ("kubectl delete pvc --all -n prod", CONFIRM, "kubectl-delete"),
    ("kubectl -n prod delete pod web-1", CONFIRM, "kubectl-delete"),
    (
        "kubectl --namespace=prod --context prod-eu delete deploy/api svc/api",
        CONFIRM,
        "kubectl-delete",
    ),
    ("kubectl delete -f k8s/", CONFIRM, "kubectl-delete"),
    ("kubectl delete pods -l app=web", CONFIRM, "kubectl-delete"),
    ("kubectl delete pod x --dry-run=none", CONFIRM, "kubectl-delete"),
    ("kubecolor delete pod x", CONFIRM, "kubectl-delete"),
    ("oc delete project payments", CONFIRM, "kubectl-delete"),
    ("k3s kubectl delete ns prod", CONFIRM, "kubectl-delete"),
    ("microk8s kubectl delete ns prod", CONFIRM, "kubectl-delete"),
    ("microk8s.kubectl delete ns prod", CONFIRM, "kubectl-delete"),
    ("minikube kubectl -- delete pod x", CONFIRM, "kubectl-delete"),
    ("kubectl scale deploy api --replicas=0", CONFIRM, "kubectl-scale"),
    ("kubectl scale --replicas 3 statefulset/db", CONFIRM, "kubectl-scale"),
    ("kubectl apply -f deploy.yaml", CONFIRM, "kubectl-write"),
    ("kubectl apply -k overlays/prod", CONFIRM, "kubectl-write"),
    ("kubectl create deployment web --image=nginx", CONFIRM, "kubectl-write"),
    ("kubectl replace --force -f pod.yaml", CONFIRM, "kubectl-write"),
    ("kubectl patch deploy api -p '{\"spec\":{}}'", CONFIRM, "kubectl-write"),
    ("kubectl edit deploy api", CONFIRM, "kubectl-write"),
    ("kubectl label pods foo env=prod --overwrite", CONFIRM, "kubectl-write"),
    ("kubectl annotate svc api team=core", CONFIRM, "kubectl-write"),
    ("kubectl set image deploy/api api=registry/api:2", CONFIRM, "kubectl-write"),
    ("kubectl set env deploy/api DEBUG=1", CONFIRM, "kubectl-write"),
    ("kubectl autoscale deploy api --min=2 --max=5", CONFIRM, "kubectl-write"),
    ("kubectl expose deploy api --port 80", CONFIRM, "kubectl-write"),
    ("kubectl taint nodes node-1 key=value:NoSchedule", CONFIRM, "kubectl-write"),
    ("kubectl certificate approve csr-1", CONFIRM, "kubectl-write"),
    ("kubectl auth reconcile -f rbac.yaml", CONFIRM, "kubectl-write"),
    ("oc adm drain node-1", CONFIRM, "kubectl-write"),
    ("oc new-app nodejs~https://github.com/acme/app", CONFIRM, "kubectl-write"),
    ("kubectl rollout restart deploy/api", CONFIRM, "kubectl-rollout"),
    ("kubectl rollout undo deploy/api --to-revision=2", CONFIRM, "kubectl-rollout"),
    ("kubectl drain node-1 --ignore-daemonsets", CONFIRM, "kubectl-node"),
    ("kubectl cordon node-1", CONFIRM, "kubectl-node"),
    ("kubectl uncordon node-1", CONFIRM, "kubectl-node"),
    ("kubectl exec -it pg-0 -- bash", CONFIRM, "kubectl-exec"),
    ("kubectl exec -it pg-0 -c db -- /bin/sh", CONFIRM, "kubectl-exec"),
    ("kubectl exec -i pg-0 -- sh script.sh", CONFIRM, "kubectl-exec"),
    ("kubectl attach api-0 -it", CONFIRM, "kubectl-exec"),
    ("kubectl run tmp --image=busybox -it --rm -- sh", CONFIRM, "kubectl-exec"),
    ("kubectl debug node/node-1 -it --image=busybox", CONFIRM, "kubectl-exec"),
    ("kubectl cp ./dump.sql pg-0:/tmp/dump.sql", CONFIRM, "kubectl-exec"),
    ("oc rsh api-0", CONFIRM, "kubectl-exec"),
    ("kubectl port-forward svc/db 5432:5432", CONFIRM, "kubectl-tunnel"),
    ("kubectl proxy --port=8001", CONFIRM, "kubectl-tunnel"),
    ("kubectl get secret db -o yaml", CONFIRM, "kubectl-secrets"),
    ("kubectl get secrets -o json -n prod", CONFIRM, "kubectl-secrets"),
    ("kubectl get -o=jsonpath='{.data.password}' secret/db", CONFIRM, "kubectl-secrets"),
    ("kubectl get secret,configmap -o yaml", CONFIRM, "kubectl-secrets"),
    ("kubectl get --raw /api/v1/namespaces/prod/secrets/db", CONFIRM, "kubectl-secrets"),
    ("kubectl config view --raw", CONFIRM, "kubectl-secrets"),
    ("kubectl create token deployer", CONFIRM, "kubectl-secrets"),
    ("oc whoami -t", CONFIRM, "kubectl-secrets"),
    ("oc extract secret/db --to=.", CONFIRM, "kubectl-secrets"),
    ("kubectl config use-context prod", CONFIRM, "kubectl-context"),
    ("kubectl config set-context --current --namespace=prod", CONFIRM, "kubectl-context"),
    ("kubectl config delete-context old", CONFIRM, "kubectl-context"),
    ("oc project prod", CONFIRM, "kubectl-context"),
    ("k3s etcd-snapshot delete snap-1", CONFIRM, "k8s-admin"),
    ("microk8s reset", CONFIRM, "k8s-admin"),
    ("kubectl neat", CONFIRM, "unknown-verb"),
    ("kubectl $VERB pods", CONFIRM, "dynamic-verb"),
    # Reads, dry runs, and commands the engine unwraps and judges itself.
    ("kubectl logs deploy/api", ALLOW, None),
    ("kubectl logs -f -p api-0 -c app", ALLOW, None),
    ("kubectl get pods -A", ALLOW, None),
    ("kubectl get pods -o yaml", ALLOW, None),
    ("kubectl get secrets", ALLOW, None),
    ("kubectl get secret db -o name", ALLOW, None),
    ("kubectl describe secret db", ALLOW, None),
    ("kubectl describe pod api-0", ALLOW, None),
    ("kubectl -n prod get deploy", ALLOW, None),
    ("kubectl --context prod -v 6 get pods", ALLOW, None),
    ("kubectl top pods", ALLOW, None),
    ("kubectl explain pods.spec", ALLOW, None),
    ("kubectl version --client", ALLOW, None),
    ("kubectl api-resources", ALLOW, None),
    ("kubectl diff -f deploy.yaml", ALLOW, None),
    ("kubectl auth can-i delete pods", ALLOW, None),
    ("kubectl wait --for=condition=ready pod/x", ALLOW, None),
    ("kubectl rollout status deploy/api", ALLOW, None),
    ("kubectl rollout history deploy/api", ALLOW, None),
    ("kubectl config view", ALLOW, None),
    ("kubectl config get-contexts", ALLOW, None),
    ("kubectl config current-context", ALLOW, None),
    ("kubectl apply -f deploy.yaml --dry-run=server", ALLOW, None),
    ("kubectl create deployment web --image=nginx --dry-run=client -o yaml", ALLOW, None),
    ("kubectl delete pod x --dry-run", ALLOW, None),
    ("kubectl run tmp --image=busybox --dry-run=client -o yaml", ALLOW, None),
    ("kubectl apply view-last-applied deploy/api", ALLOW, None),
    ("kubectl exec -it pg-0 -- psql -c 'DROP TABLE events'", ALLOW, None),
    ("kubectl exec pg-0 -- sh -c 'ls /'", ALLOW, None),
    ("kubectl exec pg-0 -- bash -lc 'env'", ALLOW, None),
    ("kubectl exec pg-0 -- cat /etc/hostname", ALLOW, None),
    ("kubectl cp pg-0:/tmp/dump.sql ./dump.sql", ALLOW, None),
    ("kubectl delete namespace production --help", ALLOW, None),
    ("kubectl", ALLOW, None),
    ("oc get pods", ALLOW, None),
    ("oc whoami", ALLOW, None),
    ("oc project", ALLOW, None),
    ("k3s kubectl get pods", ALLOW, None),
    ("k3s --version", ALLOW, None),
    ("microk8s status", ALLOW, None),
    ("minikube kubectl -- get pods", ALLOW, None),
    ("minikube delete", ALLOW, None),
]

HELM = [
    ("helm uninstall payments -n prod", CONFIRM, "helm-uninstall"),
    ("helm -n prod delete payments", CONFIRM, "helm-uninstall"),
    ("helm del payments", CONFIRM, "helm-uninstall"),
    ("helm un payments --keep-history", CONFIRM, "helm-uninstall"),
    ("microk8s helm3 uninstall payments", CONFIRM, "helm-uninstall"),
    ("helm install web ./chart -n staging", CONFIRM, "helm-release"),
    ("helm install ./chart --generate-name", CONFIRM, "helm-release"),
    (
        "helm upgrade --install web bitnami/nginx -f values.yaml --kube-context prod",
        CONFIRM,
        "helm-release",
    ),
    ("helm rollback web 3", CONFIRM, "helm-release"),
    ("helm test web", CONFIRM, "helm-release"),
    ("helm push chart-1.0.tgz oci://ghcr.io/acme/charts", CONFIRM, "helm-push"),
    ("helm secrets decrypt values.enc.yaml", CONFIRM, "unknown-verb"),
    ("helm uninstall payments --dry-run", ALLOW, None),
    ("helm upgrade web ./chart --dry-run=server", ALLOW, None),
    ("helm list -A", ALLOW, None),
    ("helm ls", ALLOW, None),
    ("helm status web", ALLOW, None),
    ("helm get values web", ALLOW, None),
    ("helm history web", ALLOW, None),
    ("helm template web ./chart --set image.tag=2", ALLOW, None),
    ("helm lint ./chart", ALLOW, None),
    ("helm show values bitnami/nginx", ALLOW, None),
    ("helm search repo nginx", ALLOW, None),
    ("helm repo add bitnami https://charts.bitnami.com/bitnami", ALLOW, None),
    ("helm repo update", ALLOW, None),
    ("helm repo remove bitnami", ALLOW, None),
    ("helm dependency build ./chart", ALLOW, None),
    ("helm plugin install https://github.com/databus23/helm-diff", ALLOW, None),
    ("helm diff upgrade web ./chart", ALLOW, None),
    ("helm package ./chart", ALLOW, None),
    ("helm version", ALLOW, None),
]

DOCKER = [
    ("docker volume rm pgdata", CONFIRM, "docker-volume-delete"),
    ("docker volume remove pgdata cache", CONFIRM, "docker-volume-delete"),
    ("podman volume rm --all", CONFIRM, "docker-volume-delete"),
    ("nerdctl volume rm data", CONFIRM, "docker-volume-delete"),
    ("docker volume prune -f", CONFIRM, "docker-volume-delete"),
    ("docker rm -v db", CONFIRM, "docker-volume-delete"),
    ("docker container rm -fv db", CONFIRM, "docker-volume-delete"),
    ("docker compose down -v", CONFIRM, "docker-volume-delete"),
    ("docker compose down --volumes --remove-orphans", CONFIRM, "docker-volume-delete"),
    ("docker compose -p shop -f compose.prod.yml down -v", CONFIRM, "docker-volume-delete"),
    ("docker-compose down -v", CONFIRM, "docker-volume-delete"),
    ("podman-compose down -v", CONFIRM, "docker-volume-delete"),
    ("podman compose down -v", CONFIRM, "docker-volume-delete"),
    ("docker compose rm -fsv", CONFIRM, "docker-volume-delete"),
    ("podman kube down --force app.yaml", CONFIRM, "docker-volume-delete"),
    ("docker system prune", CONFIRM, "docker-prune"),
    ("docker system prune -a --volumes -f", CONFIRM, "docker-prune"),
    ("docker container prune", CONFIRM, "docker-prune"),
    ("podman system reset --force", CONFIRM, "docker-prune"),
    ("podman machine rm", CONFIRM, "docker-prune"),
    ("docker push ghcr.io/acme/app:1", CONFIRM, "docker-push"),
    ("docker image push app", CONFIRM, "docker-push"),
    ("podman push app docker://quay.io/acme/app", CONFIRM, "docker-push"),
    ("docker build --push -t ghcr.io/acme/app:1 .", CONFIRM, "docker-push"),
    (
        "docker buildx build --platform linux/amd64 -t ghcr.io/acme/app:1 --push .",
        CONFIRM,
        "docker-push",
    ),
    ("docker buildx build -o type=registry -t ghcr.io/acme/app .", CONFIRM, "docker-push"),
    ("docker buildx bake --push", CONFIRM, "docker-push"),
    ("docker buildx imagetools create -t app:latest app:1", CONFIRM, "docker-push"),
    ("docker manifest push app:latest", CONFIRM, "docker-push"),
    ("docker compose push", CONFIRM, "docker-push"),
    ("docker run -v /:/host alpine chroot /host", CONFIRM, "docker-host-access"),
    ("docker run --privileged alpine sh", CONFIRM, "docker-host-access"),
    (
        "docker run -v /var/run/docker.sock:/var/run/docker.sock docker:cli ps",
        CONFIRM,
        "docker-host-access",
    ),
    ("docker run -v ~/.aws:/root/.aws amazon/aws-cli s3 ls", CONFIRM, "docker-host-access"),
    ("docker run -v ./.env:/app/.env app", CONFIRM, "docker-host-access"),
    ("docker run --volume=/etc:/etc2:ro alpine", CONFIRM, "docker-host-access"),
    ("docker run --mount type=bind,source=/etc,target=/x alpine", CONFIRM, "docker-host-access"),
    ("docker run -v $SRC:/src alpine", CONFIRM, "docker-host-access"),
    ("docker run --pid=host alpine", CONFIRM, "docker-host-access"),
    ("docker run --cap-add SYS_ADMIN alpine", CONFIRM, "docker-host-access"),
    ("docker run --security-opt seccomp=unconfined alpine", CONFIRM, "docker-host-access"),
    ("docker run --device /dev/sda alpine", CONFIRM, "docker-host-access"),
    ("docker create --privileged alpine", CONFIRM, "docker-host-access"),
    ("podman run --rm --privileged -it fedora", CONFIRM, "docker-host-access"),
    ("docker exec --privileged db sh", CONFIRM, "docker-host-access"),
    ("docker compose run --rm -v /:/host web sh", CONFIRM, "docker-host-access"),
    ("docker compose exec --privileged web sh", CONFIRM, "docker-host-access"),
    ("docker plugin install vieux/sshfs", CONFIRM, "docker-host-access"),
    ("docker swarm leave --force", CONFIRM, "docker-swarm"),
    ("docker service rm api", CONFIRM, "docker-swarm"),
    ("docker stack deploy -c stack.yml app", CONFIRM, "docker-swarm"),
    ("docker secret rm db-password", CONFIRM, "docker-swarm"),
    ("docker context use prod", CONFIRM, "docker-context"),
    ("docker -H ssh://deploy@prod rm -f web", CONFIRM, "docker-remote"),
    ("docker --context prod compose up -d", CONFIRM, "docker-remote"),
    ("docker-compose -H ssh://prod down", CONFIRM, "docker-remote"),
    ("docker frobnicate", CONFIRM, "unknown-verb"),
    ("docker volume frobnicate", CONFIRM, "unknown-verb"),
    ("docker compose frobnicate", CONFIRM, "unknown-verb"),
    ("docker $VERB", CONFIRM, "dynamic-verb"),
    # Everyday container work.
    ("docker build -t app .", ALLOW, None),
    ("docker buildx build --load -t app .", ALLOW, None),
    ("docker ps -a", ALLOW, None),
    ("docker container ls", ALLOW, None),
    ("docker images", ALLOW, None),
    ("docker logs -f web", ALLOW, None),
    ("docker inspect web", ALLOW, None),
    ("docker pull postgres:16", ALLOW, None),
    ("docker run --rm alpine echo hi", ALLOW, None),
    ("docker run --rm -v $(pwd):/app -w /app node:20 npm test", ALLOW, None),
    ('docker run --rm -v "$PWD":/src alpine ls', ALLOW, None),
    ("docker run --rm -v ./data:/data -v /tmp/work:/w alpine", ALLOW, None),
    ("docker run -v pgdata:/var/lib/postgresql/data postgres", ALLOW, None),
    ("docker run --mount type=volume,source=x,target=/x alpine", ALLOW, None),
    ("docker run -h myhost alpine hostname", ALLOW, None),
    ("docker run --rm alpine ls -v /", ALLOW, None),
    ("docker run -p 5432:5432 -e POSTGRES_PASSWORD=x -d postgres", ALLOW, None),
    ("docker exec -it db psql", ALLOW, None),
    ("docker rm -f web", ALLOW, None),
    ("docker rmi app", ALLOW, None),
    ("docker stop web", ALLOW, None),
    ("docker image prune -a", ALLOW, None),
    ("docker network prune", ALLOW, None),
    ("docker builder prune -af", ALLOW, None),
    ("docker volume ls", ALLOW, None),
    ("docker volume create cache", ALLOW, None),
    ("docker compose up -d", ALLOW, None),
    ("docker compose up --build", ALLOW, None),
    ("docker compose down", ALLOW, None),
    ("docker compose down --rmi all", ALLOW, None),
    ("docker compose ps", ALLOW, None),
    ("docker compose logs -f api", ALLOW, None),
    ("docker compose build", ALLOW, None),
    ("docker compose run --rm web pytest", ALLOW, None),
    ("docker compose run --rm -v ./fixtures:/fixtures -e CI=1 web pytest", ALLOW, None),
    ("docker compose exec -T db psql -U app", ALLOW, None),
    ("docker-compose up -d", ALLOW, None),
    ("podman pod rm -f x", ALLOW, None),
    ("podman secret rm x", ALLOW, None),
    ("podman kube play app.yaml", ALLOW, None),
    ("docker context ls", ALLOW, None),
    ("docker service ls", ALLOW, None),
    ("docker login ghcr.io", ALLOW, None),
    ("docker scout cves app", ALLOW, None),
    ("docker -H ssh://prod ps", ALLOW, None),
    ("docker -H unix:///var/run/docker.sock rm -f web", ALLOW, None),
    ("docker --context desktop-linux rm -f web", ALLOW, None),
    ("docker run --help", ALLOW, None),
    ("docker", ALLOW, None),
]


@pytest.mark.parametrize(("line", "expected", "rule"), TERRAFORM)
def test_terraform_family(line: str, expected: Decision, rule: str | None) -> None:
    check(line, expected, rule)


@pytest.mark.parametrize(("line", "expected", "rule"), PULUMI)
def test_pulumi(line: str, expected: Decision, rule: str | None) -> None:
    check(line, expected, rule)


@pytest.mark.parametrize(("line", "expected", "rule"), KUBECTL)
def test_kubectl_family(line: str, expected: Decision, rule: str | None) -> None:
    check(line, expected, rule)


@pytest.mark.parametrize(("line", "expected", "rule"), HELM)
def test_helm(line: str, expected: Decision, rule: str | None) -> None:
    check(line, expected, rule)


@pytest.mark.parametrize(("line", "expected", "rule"), DOCKER)
def test_docker_family(line: str, expected: Decision, rule: str | None) -> None:
    check(line, expected, rule)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("kubectl delete namespace production", "kubectl delete would delete namespace production"),
        ("kubectl delete pvc --all -n prod", "kubectl delete would delete every pvc in namespace prod"),
        ("kubectl delete pods -l app=web -n staging", "kubectl delete would delete the pods matching app=web in namespace staging"),
        ("kubectl --context prod-eu delete deploy/api", "kubectl delete would delete deploy/api (context prod-eu)"),
        ("kubectl scale deploy api --replicas=0", "kubectl scale would scale deploy api to 0 replicas (stopping it)"),
        ("helm uninstall payments -n prod", "helm uninstall would remove release payments and all its resources from namespace prod"),
        ("docker volume rm pgdata", "docker volume rm would delete volume pgdata and the data in it"),
        ("docker compose down -v", "docker compose down -v would delete the volumes of this compose project and the data in them"),
        ("terraform destroy -auto-approve", "terraform destroy would destroy every resource in this configuration"),
        ("terraform -chdir=infra apply", "terraform apply would change real infrastructure (the configuration in infra)"),
        ("terraform destroy -target=aws_db_instance.main", "terraform destroy would destroy aws_db_instance.main"),
        ("terragrunt run-all destroy", "terragrunt run-all destroy would destroy every resource in every module under this directory"),
        ("pulumi destroy -s prod", "pulumi destroy would destroy every resource in stack prod"),
        ("kubectl get secret db -o yaml -n prod", "kubectl get would print the contents of secret db in namespace prod"),
        ("docker run -v /:/host alpine", "docker run would give the alpine container access to host path /"),
        ("docker -H ssh://prod rm -f web", "docker rm would act on the Docker daemon at ssh://prod"),
    ],
)  # fmt: skip
def test_messages_name_what_happens_and_to_what(line: str, message: str) -> None:
    assert only_message(line) == message


@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("kubectl delete namespace production", "production"),
        ("kubectl delete pvc --all -n prod", "prod"),
        ("helm uninstall payments -n prod", "payments"),
        ("docker volume rm pgdata", "pgdata"),
        ("terraform apply tfplan", "tfplan"),
        ("pulumi up -s prod", "prod"),
        ("docker push ghcr.io/acme/app:1", "ghcr.io/acme/app:1"),
    ],
)
def test_findings_carry_the_target(line: str, target: str) -> None:
    (finding,) = infra.classify(cmd(line), CTX)
    assert finding.target == target


def test_remote_commands_say_where_they_run() -> None:
    message = only_message("kubectl delete pod x", remote="bastion")
    assert message.endswith("(on bastion)")


def test_docker_host_from_the_environment_is_a_remote_daemon() -> None:
    env = (("DOCKER_HOST", "tcp://build-box:2376"),)
    assert judge("docker rm -f web", env=env) == (CONFIRM, ["infra.docker-remote"])
    assert judge("docker ps", env=env) == (ALLOW, [])


def test_bind_mounts_are_judged_against_the_project_root() -> None:
    elsewhere = Context(cwd="/srv/other", project_root="/srv/other", home="/home/dev")
    line = "docker run -v /home/dev/app:/app alpine"
    assert judge(line) == (ALLOW, [])
    assert judge(line, elsewhere) == (CONFIRM, ["infra.docker-host-access"])


def test_arguments_appended_by_xargs_hide_the_verb() -> None:
    assert judge("kubectl", extra_args_unknown=True) == (CONFIRM, ["infra.dynamic-verb"])
    assert judge("kubectl delete pod", extra_args_unknown=True)[1] == ["infra.kubectl-delete"]


def test_every_program_is_judged_without_raising() -> None:
    for program in sorted(infra.PROGRAMS):
        for args in ((), ("--",), ("-",), ("$X",), ("--help",), ("x", "--", "y")):
            command = SimpleCommand.of(program, *args)
            assert isinstance(infra.classify(command, CTX), list)
