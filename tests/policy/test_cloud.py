"""The cloud CLI family: aws, gcloud, gsutil, az, doctl."""

from __future__ import annotations

import pytest

from agentsh.policy import cloud
from agentsh.policy.model import Decision, SimpleCommand
from tests.policy.helpers import CTX, cmd, decision_of

CONFIRM = [
    # aws s3 (high level)
    ("aws s3 rm s3://prod-backups --recursive", "cloud.aws-delete"),
    ("aws s3 rb s3://assets --force", "cloud.aws-delete"),
    ("aws --profile prod --region eu-west-1 s3 rm s3://x/y", "cloud.aws-delete"),
    ("aws s3 rm --recursive s3://prod-backups", "cloud.aws-delete"),
    ("aws s3 mv s3://a/x ./x", "cloud.aws-delete"),
    ("aws s3 sync ./local s3://site --delete", "cloud.aws-delete"),
    ("aws s3 sync s3://site ./local --delete", "cloud.aws-delete"),
    ("aws s3 cp ./a.txt s3://assets/a.txt", "cloud.aws-change"),
    ("aws s3 cp - s3://assets/a.txt", "cloud.aws-change"),
    ("aws s3 cp s3://a/x s3://b/x", "cloud.aws-change"),
    ("aws s3 sync ./dist s3://site --exclude '*.map'", "cloud.aws-change"),
    ("aws s3 mb s3://new-bucket", "cloud.aws-change"),
    ("aws s3 website s3://site --index-document index.html", "cloud.aws-change"),
    ("aws s3 presign s3://a/x --expires-in 600", "cloud.aws-secrets"),
    ("aws s3 cp s3://a/x $DEST", "cloud.aws-unknown"),
    ("aws s3 cp --frob s3://a/x ./x", "cloud.aws-unknown"),
    # aws API operations
    ("aws rds delete-db-instance --db-instance-identifier prod", "cloud.aws-delete"),
    ("aws ec2 terminate-instances --instance-ids i-0abc", "cloud.aws-delete"),
    ("aws ec2 terminate-instances --instance-ids i-0abc --no-dry-run", "cloud.aws-delete"),
    ("aws cloudformation delete-stack --stack-name prod", "cloud.aws-delete"),
    ("aws dynamodb delete-table --table-name orders", "cloud.aws-delete"),
    ("aws s3api delete-object --bucket b --key k", "cloud.aws-delete"),
    ("aws s3api delete-bucket --bucket b", "cloud.aws-delete"),
    ("aws sqs purge-queue --queue-url https://sqs.example/q", "cloud.aws-delete"),
    ("aws ec2 release-address --allocation-id eipalloc-1", "cloud.aws-delete"),
    ("aws ec2 revoke-security-group-ingress --group-id sg-1 --protocol tcp", "cloud.aws-delete"),
    ("aws ec2 disassociate-address --association-id a-1", "cloud.aws-delete"),
    ("aws ec2 deregister-image --image-id ami-1", "cloud.aws-delete"),
    ("aws ec2 delete-tags --resources i-1 --tags Key=env", "cloud.aws-delete"),
    (
        "aws rds modify-db-instance --db-instance-identifier prod --apply-immediately",
        "cloud.aws-change",
    ),
    ("aws rds reboot-db-instance --db-instance-identifier prod", "cloud.aws-change"),
    ("aws ec2 stop-instances --instance-ids i-1", "cloud.aws-change"),
    ("aws ec2 run-instances --image-id ami-1 --count 1", "cloud.aws-change"),
    ("aws lambda invoke --function-name f out.json", "cloud.aws-change"),
    (
        "aws lambda update-function-code --function-name f --zip-file fileb://f.zip",
        "cloud.aws-change",
    ),
    ("aws s3api put-object --bucket b --key k --body f", "cloud.aws-change"),
    ("aws ecs execute-command --cluster c --task t --command sh --interactive", "cloud.aws-change"),
    ("aws iam create-user --user-name bob", "cloud.aws-iam"),
    (
        "aws iam attach-role-policy --role-name r --policy-arn arn:aws:iam::aws:policy/Admin",
        "cloud.aws-iam",
    ),
    (
        "aws iam put-user-policy --user-name bob --policy-name p --policy-document file://p.json",
        "cloud.aws-iam",
    ),
    ("aws iam delete-role --role-name r", "cloud.aws-iam"),
    ("aws iam create-access-key --user-name bob", "cloud.aws-iam"),
    (
        "aws iam update-assume-role-policy --role-name r --policy-document file://t.json",
        "cloud.aws-iam",
    ),
    ("aws secretsmanager get-secret-value --secret-id prod/db", "cloud.aws-secrets"),
    ("aws ssm get-parameter --name /prod/db --with-decryption", "cloud.aws-secrets"),
    (
        "aws ssm get-parameters-by-path --path /prod --recursive --with-decryption",
        "cloud.aws-secrets",
    ),
    (
        "aws sts assume-role --role-arn arn:aws:iam::1:role/admin --role-session-name s",
        "cloud.aws-secrets",
    ),
    ("aws sts get-session-token", "cloud.aws-secrets"),
    ("aws ecr get-login-password --region us-east-1", "cloud.aws-secrets"),
    ("aws kms decrypt --ciphertext-blob fileb://x", "cloud.aws-secrets"),
    ("aws rds generate-db-auth-token --hostname h --port 5432 --username u", "cloud.aws-secrets"),
    ("aws configure export-credentials --profile prod", "cloud.aws-secrets"),
    ("aws lambda get-function-configuration --function-name f", "cloud.aws-secrets"),
    ("aws configure", "cloud.aws-change"),
    ("aws configure set aws_access_key_id AKIA", "cloud.aws-change"),
    ("aws $SERVICE delete-bucket --bucket b", "cloud.aws-unknown"),
    ("aws s3 $OP s3://b", "cloud.aws-unknown"),
    ("aws --frob s3 ls", "cloud.aws-unknown"),
    ("aws --profile $P s3 ls", "cloud.aws-unknown"),
    # gcloud
    ("gcloud projects delete acme-prod", "cloud.gcloud-delete"),
    ("gcloud --project acme-prod sql instances delete prod-db", "cloud.gcloud-delete"),
    ("gcloud sql instances delete prod-db --project=acme-prod --quiet", "cloud.gcloud-delete"),
    ("gcloud compute instances delete vm1 --zone us-central1-a", "cloud.gcloud-delete"),
    ("gcloud beta run services delete api", "cloud.gcloud-delete"),
    ("gcloud storage rm -r gs://b/path", "cloud.gcloud-delete"),
    ("gcloud storage buckets delete gs://b", "cloud.gcloud-delete"),
    ("gcloud sql instances restore-backup prod --backup-id 1", "cloud.gcloud-delete"),
    (
        "gcloud storage rsync ./d gs://b --delete-unmatched-destination-objects",
        "cloud.gcloud-delete",
    ),
    ("gcloud compute instances stop vm1", "cloud.gcloud-change"),
    ("gcloud run deploy api --image gcr.io/acme/api", "cloud.gcloud-change"),
    ("gcloud app deploy", "cloud.gcloud-change"),
    ("gcloud config set project acme-prod", "cloud.gcloud-change"),
    ("gcloud auth login", "cloud.gcloud-change"),
    ("gcloud compute ssh vm1 -- sudo rm -rf /var/lib/postgresql", "cloud.gcloud-change"),
    ("gcloud sql import sql prod gs://b/dump.sql", "cloud.gcloud-change"),
    ("gcloud storage cp ./x gs://b/x", "cloud.gcloud-change"),
    (
        "gcloud projects add-iam-policy-binding acme --member=user:x@y.com --role=roles/owner",
        "cloud.gcloud-iam",
    ),
    (
        "gcloud projects remove-iam-policy-binding acme --member=user:x --role=roles/viewer",
        "cloud.gcloud-iam",
    ),
    ("gcloud projects set-iam-policy acme policy.json", "cloud.gcloud-iam"),
    (
        "gcloud iam service-accounts keys create key.json --iam-account=sa@acme.iam",
        "cloud.gcloud-iam",
    ),
    ("gcloud iam roles create custom --project acme", "cloud.gcloud-iam"),
    ("gcloud secrets versions access latest --secret=db-pass", "cloud.gcloud-secrets"),
    ("gcloud auth print-access-token", "cloud.gcloud-secrets"),
    ("gcloud auth application-default print-access-token", "cloud.gcloud-secrets"),
    ("gcloud sql generate-login-token", "cloud.gcloud-secrets"),
    ("gcloud $GROUP list", "cloud.gcloud-unknown"),
    ("gcloud --frob compute instances list", "cloud.gcloud-unknown"),
    ("gcloud --project $P compute instances list", "cloud.gcloud-unknown"),
    ("gcloud compute instances", "cloud.gcloud-unknown"),
    # gsutil
    ("gsutil rm -r gs://bucket/path", "cloud.gsutil-delete"),
    ("gsutil -m rm -r gs://bucket/**", "cloud.gsutil-delete"),
    ("gsutil rb gs://bucket", "cloud.gsutil-delete"),
    ("gsutil rsync -d -r ./local gs://b", "cloud.gsutil-delete"),
    ("gsutil mv gs://b/x gs://b/y", "cloud.gsutil-delete"),
    ("gsutil -m cp -r ./local gs://b/dir", "cloud.gsutil-change"),
    ("gsutil mb gs://new", "cloud.gsutil-change"),
    ("gsutil versioning set on gs://b", "cloud.gsutil-change"),
    ("gsutil iam ch user:x@y.com:objectViewer gs://b", "cloud.gsutil-iam"),
    ("gsutil iam set policy.json gs://b", "cloud.gsutil-iam"),
    ("gsutil acl ch -u AllUsers:R gs://b/x", "cloud.gsutil-iam"),
    ("gsutil signurl key.json gs://b/x", "cloud.gsutil-secrets"),
    ("gsutil $VERB gs://b", "cloud.gsutil-unknown"),
    ("gsutil -$OPT ls rm -r gs://b", "cloud.gsutil-unknown"),
    ("gsutil -frob ls gs://b", "cloud.gsutil-unknown"),
    ("gsutil -u $P ls gs://b", "cloud.gsutil-unknown"),
    # az
    ("az group delete --name prod-rg --yes", "cloud.az-delete"),
    ("az group delete -n prod-rg -y --subscription prod", "cloud.az-delete"),
    ("az sql db delete -g rg -s srv -n db", "cloud.az-delete"),
    ("az keyvault secret delete --vault-name v --name s", "cloud.az-delete"),
    ("az keyvault secret purge --vault-name v --name s", "cloud.az-delete"),
    ("az storage blob delete-batch -s c --account-name a", "cloud.az-delete"),
    ("az lock delete -n lock -g rg", "cloud.az-delete"),
    ("az vm restart -n vm1 -g rg", "cloud.az-change"),
    ("az keyvault secret set --vault-name v --name s --value x", "cloud.az-change"),
    ("az webapp deploy -n app -g rg --src-path app.zip", "cloud.az-change"),
    ("az login", "cloud.az-change"),
    ("az account set --subscription prod", "cloud.az-change"),
    (
        "az role assignment create --assignee x --role Owner --scope /subscriptions/1",
        "cloud.az-iam",
    ),
    ("az role assignment delete --assignee x --role Owner", "cloud.az-iam"),
    ("az ad sp create-for-rbac --name ci", "cloud.az-iam"),
    ("az ad user delete --id x@y.com", "cloud.az-iam"),
    ("az ad app credential reset --id 1", "cloud.az-iam"),
    ("az keyvault set-policy -n v --upn x --secret-permissions get", "cloud.az-iam"),
    ("az keyvault secret show --vault-name v --name s", "cloud.az-secrets"),
    ("az keyvault secret download --vault-name v --name s --file s.txt", "cloud.az-secrets"),
    ("az storage account keys list -n acct", "cloud.az-secrets"),
    ("az storage account show-connection-string -n acct", "cloud.az-secrets"),
    ("az cosmosdb keys list -n db -g rg", "cloud.az-secrets"),
    ("az account get-access-token", "cloud.az-secrets"),
    ("az aks get-credentials -n c -g rg --admin", "cloud.az-secrets"),
    ("az acr credential show -n reg", "cloud.az-secrets"),
    ("az webapp config appsettings list -n app -g rg", "cloud.az-secrets"),
    ("az webapp config connection-string list -n app -g rg", "cloud.az-secrets"),
    ("az containerapp secret list -n app -g rg --show-values", "cloud.az-secrets"),
    ("az frobnicate", "cloud.az-unknown"),
    # doctl
    ("doctl compute droplet delete web-1 --force", "cloud.doctl-delete"),
    ("doctl compute droplet rm web-1", "cloud.doctl-delete"),
    ("doctl databases delete abc", "cloud.doctl-delete"),
    ("doctl db delete abc -f", "cloud.doctl-delete"),
    ("doctl kubernetes cluster delete prod", "cloud.doctl-delete"),
    ("doctl compute volume delete vol-1", "cloud.doctl-delete"),
    ("doctl apps create --spec app.yaml", "cloud.doctl-change"),
    ("doctl compute ssh web-1", "cloud.doctl-change"),
    ("doctl auth init", "cloud.doctl-change"),
    ("doctl databases connection abc", "cloud.doctl-secrets"),
    ("doctl databases conn abc", "cloud.doctl-secrets"),
    ("doctl databases get abc", "cloud.doctl-secrets"),
    ("doctl databases user list abc", "cloud.doctl-secrets"),
    ("doctl databases list -o json", "cloud.doctl-secrets"),
    ("doctl databases list --format ID,URI", "cloud.doctl-secrets"),
    ("doctl kubernetes cluster kubeconfig show prod", "cloud.doctl-secrets"),
    ("doctl frobnicate", "cloud.doctl-unknown"),
]

ALLOW = [
    "aws s3 ls s3://assets",
    "aws s3 ls s3://$BUCKET",
    "gcloud compute instances list --project $P",
    "aws s3 ls",
    "aws --profile prod s3 ls s3://assets --recursive",
    "aws s3 cp s3://assets/a.txt ./a.txt",
    "aws s3 cp s3://assets/a.txt -",
    "aws s3 cp s3://assets/dir ./dir --recursive --quiet",
    "aws s3 sync s3://assets ./local",
    "aws s3 rm s3://a/x --dryrun",
    "aws s3 sync ./local s3://a --delete --dryrun",
    "aws ec2 describe-instances --region us-east-1",
    "aws ec2 describe-instances --filters Name=tag:env,Values=prod --query 'Reservations[]'",
    "aws sts get-caller-identity",
    "aws rds describe-db-instances --db-instance-identifier prod",
    "aws iam list-users",
    "aws iam get-role --role-name r",
    "aws s3api get-object --bucket b --key k out.txt",
    "aws s3api list-objects-v2 --bucket b",
    "aws s3api head-object --bucket b --key k",
    "aws ssm get-parameter --name /prod/flag",
    "aws dynamodb scan --table-name t",
    "aws dynamodb query --table-name t --key-condition-expression 'pk = :p'",
    "aws dynamodb batch-get-item --request-items file://r.json",
    "aws logs tail /aws/lambda/f --follow",
    "aws logs filter-log-events --log-group-name g",
    "aws cloudtrail lookup-events",
    "aws cloudformation validate-template --template-body file://t.yaml",
    "aws ec2 wait instance-running --instance-ids i-1",
    "aws ec2 terminate-instances --instance-ids i-1 --dry-run",
    "aws --endpoint-url http://localhost:4566 s3 rb s3://test --force",
    "aws --endpoint-url=http://127.0.0.1:4566 dynamodb delete-table --table-name t",
    "aws configure list",
    "aws eks update-kubeconfig --name prod --region eu-west-1",
    "aws configure get region",
    "aws help",
    "aws s3 help",
    "aws s3 rm help",
    "aws ec2 terminate-instances help",
    "aws --version",
    "aws",
    "gcloud compute instances list",
    "gcloud --project acme-prod compute instances list --format=json",
    "gcloud projects list",
    "gcloud projects describe acme-prod",
    "gcloud config list",
    "gcloud config get-value project",
    "gcloud auth list",
    "gcloud sql instances describe prod",
    "gcloud beta run services list",
    "gcloud run services describe api --region us-central1",
    "gcloud deploy releases list",
    "gcloud secrets list",
    "gcloud secrets versions list db-pass",
    "gcloud iam service-accounts list",
    "gcloud projects get-iam-policy acme",
    "gcloud container clusters get-credentials prod --region us-central1",
    "gcloud logging read 'severity>=ERROR' --limit 10",
    "gcloud storage ls gs://b",
    "gcloud storage cat gs://b/x",
    "gcloud storage cp gs://b/x ./x",
    "gcloud compute instances delete --help",
    "gcloud info",
    "gcloud version",
    "gcloud help",
    "gcloud",
    "gsutil ls gs://bucket",
    "gsutil -u billing ls -l gs://bucket",
    "gsutil cat gs://bucket/x",
    "gsutil du -s gs://bucket",
    "gsutil -m cp -r gs://b/dir ./local",
    "gsutil rsync -r gs://b ./local",
    "gsutil rsync -d -n -r ./local gs://b",
    "gsutil iam get gs://b",
    "gsutil versioning get gs://b",
    "gsutil version",
    "gsutil",
    "az group list",
    "az vm list -o table",
    "az vm show -n vm1 -g rg",
    "az account show",
    "az account list --output table",
    "az keyvault secret list --vault-name v",
    "az ad user list",
    "az role assignment list --assignee x",
    "az webapp log tail -n app -g rg",
    "az aks get-credentials -n c -g rg",
    "az storage blob download -c c -n x -f x --account-name a",
    "az containerapp secret list -n app -g rg",
    "az lock list",
    "az tag list",
    "az group delete --help",
    "az version",
    "doctl compute droplet list",
    "doctl compute droplet get web-1",
    "doctl databases list",
    "doctl databases db list abc",
    "doctl account get",
    "doctl k8s cluster list",
    "doctl apps logs abc",
    "doctl version",
    "doctl compute droplet delete --help",
]


@pytest.mark.parametrize(("line", "rule"), CONFIRM)
def test_confirms(line: str, rule: str) -> None:
    findings = cloud.classify(cmd(line), CTX)
    assert decision_of(findings) is Decision.CONFIRM
    assert [f.rule for f in findings] == [rule]


@pytest.mark.parametrize("line", ALLOW)
def test_allows(line: str) -> None:
    assert cloud.classify(cmd(line), CTX) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "aws rds delete-db-instance --db-instance-identifier prod",
            "aws rds delete-db-instance would delete database instance prod",
        ),
        (
            "aws ec2 terminate-instances --instance-ids i-0abc i-0def",
            "aws ec2 terminate-instances would terminate instances i-0abc i-0def",
        ),
        (
            "aws --profile prod --region eu-west-1 s3 rm s3://x/y",
            "aws s3 rm would delete s3://x/y (profile prod, region eu-west-1)",
        ),
        (
            "aws s3 rm s3://prod-backups --recursive",
            "aws s3 rm would delete s3://prod-backups and everything under it",
        ),
        (
            "aws s3 rb s3://assets --force",
            "aws s3 rb would delete bucket s3://assets and every object in it",
        ),
        (
            "aws s3api delete-object --bucket b --key k",
            "aws s3api delete-object would delete object s3://b/k",
        ),
        (
            "aws secretsmanager get-secret-value --secret-id prod/db",
            "aws secretsmanager get-secret-value would print secret values or credentials of prod/db",
        ),
        (
            "gcloud projects delete acme-prod",
            "gcloud projects delete would delete project acme-prod",
        ),
        (
            "gcloud --project acme-prod sql instances delete prod-db",
            "gcloud sql instances delete would delete instance prod-db (project acme-prod)",
        ),
        (
            "az group delete --name prod-rg --yes",
            "az group delete would delete resource group prod-rg",
        ),
        (
            "az sql db delete -g rg -s srv -n db --subscription prod",
            "az sql db delete would delete database db (subscription prod, resource group rg)",
        ),
        (
            "doctl compute droplet delete web-1 --force",
            "doctl compute droplet delete would delete droplet web-1",
        ),
        ("gsutil rm -r gs://b/path", "gsutil rm would delete gs://b/path and everything under it"),
        (
            "az keyvault secret show --vault-name v --name db-pass -g rg",
            "az keyvault secret show would print secrets or credentials of db-pass (resource group rg)",
        ),
    ],
)
def test_message_names_what_and_where(line: str, message: str) -> None:
    (only,) = cloud.classify(cmd(line), CTX)
    assert only.message == message


def test_environment_names_the_account() -> None:
    line = cmd("aws s3 rb s3://assets", env=(("AWS_PROFILE", "prod"), ("AWS_REGION", "us-east-1")))
    (only,) = cloud.classify(line, CTX)
    assert only.message.endswith("(profile prod, region us-east-1)")
    assert only.grants == ("s3.us-east-1.amazonaws.com",)


def test_local_endpoint_from_the_environment_is_local() -> None:
    line = cmd("aws s3 rb s3://test --force", env=(("AWS_ENDPOINT_URL", "http://localhost:4566"),))
    assert cloud.classify(line, CTX) == []


def test_remote_endpoint_is_not_local() -> None:
    line = cmd("aws --endpoint-url https://s3.example.com s3 rb s3://test")
    assert decision_of(cloud.classify(line, CTX)) is Decision.CONFIRM


@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("aws rds delete-db-instance --db-instance-identifier prod", "prod"),
        ("aws s3 rm s3://prod-backups --recursive", "s3://prod-backups"),
        ("gcloud projects delete acme-prod", "acme-prod"),
        ("az group delete --name prod-rg", "prod-rg"),
        ("doctl databases delete abc", "abc"),
    ],
)
def test_target_is_the_named_resource(line: str, target: str) -> None:
    (only,) = cloud.classify(cmd(line), CTX)
    assert only.target == target


@pytest.mark.parametrize(
    ("line", "grant"),
    [
        ("aws iam create-user --user-name bob", "iam.amazonaws.com"),
        (
            "aws --region eu-west-1 rds delete-db-instance --db-instance-identifier p",
            "rds.eu-west-1.amazonaws.com",
        ),
        ("gcloud sql instances delete prod", "sqladmin.googleapis.com"),
        ("az group delete -n rg", "management.azure.com"),
        ("az keyvault secret show --vault-name acme --name s", "acme.vault.azure.net"),
        ("doctl databases delete abc", "api.digitalocean.com"),
        ("gsutil rm gs://b/x", "storage.googleapis.com"),
    ],
)
def test_findings_grant_the_api_host(line: str, grant: str) -> None:
    (only,) = cloud.classify(cmd(line), CTX)
    assert grant in only.grants


def test_arguments_appended_at_run_time_fail_closed() -> None:
    appended = SimpleCommand.of("aws", extra_args_unknown=True)
    assert decision_of(cloud.classify(appended, CTX)) is Decision.CONFIRM
    service_only = SimpleCommand.of("aws", "s3", extra_args_unknown=True)
    assert decision_of(cloud.classify(service_only, CTX)) is Decision.CONFIRM


def test_remote_commands_say_where_they_run() -> None:
    (only,) = cloud.classify(cmd("aws s3 rb s3://assets", remote="bastion"), CTX)
    assert only.message.endswith("(on bastion)")


def test_programs() -> None:
    assert {"aws", "gcloud", "gsutil", "az", "doctl"} == cloud.PROGRAMS
    assert cloud.classify(cmd("kubectl delete ns prod"), CTX) == []
