"""What the manifests must keep, beyond their schemas (CI: after check-jsonschema and kubernetes-validate).

    kubectl kustomize deploy/kubernetes/base | python deploy/check_manifests.py - deploy/compose/compose.yaml

Exit 1 with one line per violation: every container non-root with all capabilities dropped, a read-only root
filesystem and resource requests and limits; web with liveness /healthz and readiness /readyz, an autoscaler and
a disruption budget; exactly one beat, replaced with Recreate; the migrations as a Job; the same in Compose.
"""

import sys

import yaml


def check_kubernetes(documents: list[dict]) -> list[str]:
    problems = []
    by_kind: dict[str, dict[str, dict]] = {}
    for doc in documents:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    workloads = {**by_kind.get("Deployment", {}), **by_kind.get("Job", {})}
    for name, workload in workloads.items():
        pod = workload["spec"]["template"]["spec"]
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"{name}: securityContext.runAsNonRoot fehlt")
        if pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{name}: automountServiceAccountToken muss false sein")
        for container in pod["containers"]:
            where = f"{name}/{container['name']}"
            security = container.get("securityContext", {})
            if security.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: capabilities.drop [ALL] fehlt")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation muss false sein")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: readOnlyRootFilesystem fehlt")
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                if not {"cpu", "memory"} <= set(resources.get(part, {})):
                    problems.append(f"{where}: resources.{part} für cpu und memory fehlen")
    web = by_kind.get("Deployment", {}).get("itvsh-portal-web")
    if web is None:
        problems.append("Deployment itvsh-portal-web fehlt")
    else:
        container = web["spec"]["template"]["spec"]["containers"][0]
        if container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
            problems.append("web: livenessProbe muss /healthz fragen")
        if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
            problems.append("web: readinessProbe muss /readyz fragen")
    if "itvsh-portal-web" not in by_kind.get("HorizontalPodAutoscaler", {}):
        problems.append("HorizontalPodAutoscaler für web fehlt")
    if "itvsh-portal-web" not in by_kind.get("PodDisruptionBudget", {}):
        problems.append("PodDisruptionBudget für web fehlt")
    beat = by_kind.get("Deployment", {}).get("itvsh-portal-beat")
    if beat is None or beat["spec"].get("replicas") != 1 or beat["spec"].get("strategy", {}).get("type") != "Recreate":
        problems.append("beat: genau 1 Replikat mit strategy Recreate")
    for autoscaler in by_kind.get("HorizontalPodAutoscaler", {}).values():
        if autoscaler["spec"]["scaleTargetRef"]["name"] == "itvsh-portal-beat":
            problems.append("beat darf nicht automatisch skaliert werden")
    if "itvsh-portal-worker" not in by_kind.get("Deployment", {}):
        problems.append("Deployment itvsh-portal-worker fehlt")
    if "itvsh-portal-migrate" not in by_kind.get("Job", {}):
        problems.append("Job itvsh-portal-migrate fehlt")
    return problems


def check_compose(compose: dict) -> list[str]:
    problems = []
    services = compose["services"]
    for name in ("web", "worker", "beat", "migrate", "db", "redis"):
        if name not in services:
            problems.append(f"compose: Dienst {name} fehlt")
    for name in ("web", "worker", "beat", "migrate"):
        service = services.get(name, {})
        if service.get("read_only") is not True or service.get("cap_drop") != ["ALL"]:
            problems.append(f"compose/{name}: read_only und cap_drop [ALL] fehlen")
        if str(service.get("user", "")).split(":")[0] in ("", "0", "root"):
            problems.append(f"compose/{name}: läuft nicht als eigener Benutzer")
    if services.get("beat", {}).get("deploy", {}).get("replicas") != 1:
        problems.append("compose/beat: genau 1 Replikat")
    if services.get("migrate", {}).get("command") != ["migrate"]:
        problems.append("compose/migrate: command [migrate]")
    return problems


def main(kubernetes_path: str, compose_path: str) -> int:
    stream = sys.stdin if kubernetes_path == "-" else open(kubernetes_path, encoding="utf-8")  # noqa: SIM115
    documents = [doc for doc in yaml.safe_load_all(stream) if doc]
    with open(compose_path, encoding="utf-8") as handle:
        compose = yaml.safe_load(handle)
    problems = check_kubernetes(documents) + check_compose(compose)
    for problem in problems:
        print(problem)
    print(
        f"Manifeste: {len(documents)} Kubernetes-Objekte, {len(compose['services'])} Compose-Dienste, "
        f"{len(problems)} Verstöße"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
