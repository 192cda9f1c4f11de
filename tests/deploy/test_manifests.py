"""The Kubernetes manifests render, Kubernetes 1.32's schemas accept them, and they keep
the promises of ARCHITECTURE.md "Operations". No cluster runs here: `kubectl kustomize`
renders each overlay, kubernetes-validate checks every object offline, and the rest of
this module reads the rendered objects as data.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from shared.config import HTTP_PORTS, SERVICES

REPO = Path(__file__).resolve().parents[2]
OVERLAYS_DIR = REPO / "deploy" / "k8s" / "overlays"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.32.0"
GATEWAY = "gateway"
MONITORING_NAMESPACE = "monitoring"
DNS, AMQP, POSTGRES, REDIS = 53, 5672, 5432, 6379

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    overlay: str
    objects: tuple[Manifest, ...]

    def of_kind(self, kind: str) -> list[Manifest]:
        return [obj for obj in self.objects if obj["kind"] == kind]

    def named(self, kind: str, name: str) -> Manifest:
        found = [obj for obj in self.of_kind(kind) if obj["metadata"]["name"] == name]
        assert found, f"{self.overlay}: no {kind} named {name!r}"
        return found[0]

    @property
    def namespace(self) -> str:
        (namespace,) = self.of_kind("Namespace")
        return namespace["metadata"]["name"]


@dataclass(frozen=True)
class Workload:
    """A Deployment or Job, seen through the pods it creates."""

    kind: str
    name: str
    pod_labels: dict[str, str]
    pod_annotations: dict[str, str]
    pod_spec: dict[str, Any]

    @property
    def process(self) -> str:
        return self.pod_labels["app.kubernetes.io/name"]

    def containers(self) -> list[dict[str, Any]]:
        return self.pod_spec["containers"] + self.pod_spec.get("initContainers", [])


def render(overlay: str) -> Rendered:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail(
            "kubectl is not on PATH: these tests render deploy/k8s with `kubectl kustomize`. "
            "Install kubectl 1.32 (it bundles kustomize) and run them again."
        )
    result = subprocess.run(
        [kubectl, "kustomize", str(OVERLAYS_DIR / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"kubectl kustomize overlays/{overlay} failed:\n{result.stderr}")
    return Rendered(overlay, tuple(obj for obj in yaml.safe_load_all(result.stdout) if obj))


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return render(request.param)


@pytest.fixture(scope="module")
def overlays() -> dict[str, Rendered]:
    return {overlay: render(overlay) for overlay in OVERLAYS}


def workloads(rendered: Rendered) -> Iterator[Workload]:
    for kind in ("Deployment", "Job"):
        for obj in rendered.of_kind(kind):
            template = obj["spec"]["template"]
            yield Workload(
                kind=kind,
                name=obj["metadata"]["name"],
                pod_labels=template["metadata"].get("labels", {}),
                pod_annotations=template["metadata"].get("annotations", {}),
                pod_spec=template["spec"],
            )


def deployments(rendered: Rendered) -> dict[str, Workload]:
    return {w.name: w for w in workloads(rendered) if w.kind == "Deployment"}


def selects(match_labels: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in match_labels.items())


def settings_of(container: dict[str, Any], rendered: Rendered) -> dict[str, Any]:
    """The container's environment: ConfigMap values resolved, secret refs kept as refs."""
    values: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        config_map = rendered.named("ConfigMap", source["configMapRef"]["name"])
        values.update(config_map["data"])
    for var in container.get("env", []):
        values[var["name"]] = var.get("value", var.get("valueFrom"))
    return values


def secret_refs(rendered: Rendered) -> set[str]:
    names: set[str] = set()
    for workload in workloads(rendered):
        for container in workload.containers():
            for var in container.get("env", []):
                if "secretKeyRef" in var.get("valueFrom", {}):
                    names.add(var["valueFrom"]["secretKeyRef"]["name"])
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    names.add(source["secretRef"]["name"])
    return names


# --- Schemas ---------------------------------------------------------------------------


def test_every_rendered_object_passes_strict_kubernetes_1_32_schema_validation(rendered):
    failures = []
    for obj in rendered.objects:
        where = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            failures.append(f"{where}: {error.message} (at {path or 'top level'})")
        except kubernetes_validate.SchemaNotFoundError as error:
            failures.append(f"{where}: {error.message}")
    assert not failures, f"overlays/{rendered.overlay}:\n" + "\n".join(failures)
    assert len(rendered.objects) > 10, "the overlay rendered suspiciously few objects"


# --- Every process of the suite is deployed ---------------------------------------------


def test_every_service_in_shared_config_and_the_gateway_has_a_deployment(rendered):
    missing = {*SERVICES, GATEWAY} - set(deployments(rendered))
    assert not missing, f"overlays/{rendered.overlay}: no Deployment for {sorted(missing)}"


def test_every_service_migrates_its_own_database_in_a_job_as_the_owner_role(rendered):
    for service in SERVICES:
        job = rendered.named("Job", f"{service}-migrate")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == [
            "python", "-m", "shared.migrate", service, "--no-provision"
        ]
        settings = settings_of(container, rendered)
        assert "BUREAU_PG_ADMIN_URL" not in settings, "no admin login in the cluster"
        url = settings["BUREAU_MIGRATION_DATABASE_URL"]
        assert url["secretKeyRef"]["name"] == f"bureau-{service}-db-owner"
        assert job["spec"]["backoffLimit"] <= 5
        assert job["spec"]["activeDeadlineSeconds"] > 0, "a hung migration must end"


def test_running_processes_never_receive_owner_or_admin_database_credentials(rendered):
    for workload in deployments(rendered).values():
        for container in workload.containers():
            settings = settings_of(container, rendered)
            assert "BUREAU_MIGRATION_DATABASE_URL" not in settings, workload.name
            assert "BUREAU_PG_ADMIN_URL" not in settings, workload.name
            for value in settings.values():
                if isinstance(value, dict) and "secretKeyRef" in value:
                    secret = value["secretKeyRef"]["name"]
                    assert not secret.endswith(("-owner", "-admin")), workload.name


def test_each_process_runs_its_documented_command_from_the_one_bureau_image(rendered):
    expected = {
        service: ["python", "-m", "shared.runner", f"services.{service}.service:"]
        for service in SERVICES
    }
    expected[GATEWAY] = ["gunicorn", "--config", "gateway/gunicorn_conf.py", "gateway.wsgi:app"]
    for name, workload in deployments(rendered).items():
        (container,) = workload.pod_spec["containers"]
        command = container["command"]
        assert command[:-1] == expected[name][:-1], name
        assert command[-1].startswith(expected[name][-1]), name
        assert container["workingDir"] == "/app"
    for workload in workloads(rendered):
        for container in workload.containers():
            assert container["image"].split("/")[-1].split(":")[0] == "bureau", workload.name


# --- Health, ports, shutdown -------------------------------------------------------------


def test_every_process_listens_on_its_port_from_shared_config(rendered):
    for name, workload in deployments(rendered).items():
        port = HTTP_PORTS[name]
        (container,) = workload.pod_spec["containers"]
        assert {"name": "http", "containerPort": port, "protocol": "TCP"} in container["ports"]
        assert settings_of(container, rendered)["BUREAU_HTTP_PORT"] == str(port), name
        assert workload.pod_annotations["prometheus.io/scrape"] == "true", name
        assert workload.pod_annotations["prometheus.io/port"] == str(port), name
        assert workload.pod_annotations["prometheus.io/path"] == "/metrics", name


def test_every_container_of_a_deployment_has_liveness_and_readiness_probes(rendered):
    for name, workload in deployments(rendered).items():
        for container in workload.containers():
            live, ready = container.get("livenessProbe"), container.get("readinessProbe")
            assert live and ready, f"{name}/{container['name']} lacks a probe"
            assert live["httpGet"] == {"path": "/health/live", "port": "http"}, name
            assert ready["httpGet"] == {"path": "/health/ready", "port": "http"}, name


def test_every_container_has_resource_requests_and_limits(rendered):
    for workload in workloads(rendered):
        for container in workload.containers():
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(bound, {})), (
                    f"{workload.name}/{container['name']} has no {bound}"
                )


def test_termination_grace_outlasts_the_prestop_pause_and_the_shutdown_timeout(rendered):
    for name, workload in deployments(rendered).items():
        (container,) = workload.pod_spec["containers"]
        # Set explicitly: the default in shared/config.py may change under the manifests.
        shutdown = float(settings_of(container, rendered)["BUREAU_SHUTDOWN_TIMEOUT"])
        pause = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
        grace = workload.pod_spec["terminationGracePeriodSeconds"]
        assert grace > pause + shutdown, f"{name}: {grace}s <= {pause}s + {shutdown}s"


# --- Pod security -------------------------------------------------------------------------


def test_every_pod_runs_non_root_read_only_without_privileges(rendered):
    for workload in workloads(rendered):
        pod = workload.pod_spec.get("securityContext", {})
        assert pod.get("seccompProfile") == {"type": "RuntimeDefault"}, workload.name
        assert pod.get("runAsUser", 1) != 0, workload.name
        assert workload.pod_spec.get("automountServiceAccountToken") is False, workload.name
        for container in workload.containers():
            where = f"{workload.name}/{container['name']}"
            own = container.get("securityContext", {})
            assert own.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, where
            assert own.get("readOnlyRootFilesystem") is True, where
            assert own.get("allowPrivilegeEscalation") is False, where
            assert own.get("capabilities", {}).get("drop") == ["ALL"], where
            assert not own.get("privileged"), where
            mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
            volumes = {volume["name"]: volume for volume in workload.pod_spec["volumes"]}
            assert "emptyDir" in volumes[mounts["/tmp"]], f"{where}: /tmp is not writable"


def test_the_namespace_enforces_the_restricted_pod_security_standard(rendered):
    (namespace,) = rendered.of_kind("Namespace")
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


# --- Availability -------------------------------------------------------------------------


def test_every_deployment_is_selected_by_a_pdb_and_scaled_by_an_hpa(rendered):
    for name, workload in deployments(rendered).items():
        pdbs = [
            pdb
            for pdb in rendered.of_kind("PodDisruptionBudget")
            if selects(pdb["spec"]["selector"]["matchLabels"], workload.pod_labels)
        ]
        assert len(pdbs) == 1, f"{name}: {len(pdbs)} PodDisruptionBudgets select it"
        hpas = [
            hpa
            for hpa in rendered.of_kind("HorizontalPodAutoscaler")
            if hpa["spec"]["scaleTargetRef"]
            == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        ]
        assert len(hpas) == 1, f"{name}: {len(hpas)} HorizontalPodAutoscalers target it"
        (metric,) = hpas[0]["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"


def test_deployments_leave_the_replica_count_to_their_autoscaler(rendered):
    for obj in rendered.of_kind("Deployment"):
        assert "replicas" not in obj["spec"], obj["metadata"]["name"]


def test_every_deployment_spreads_its_pods_over_nodes(rendered):
    for name, workload in deployments(rendered).items():
        spread = workload.pod_spec.get("topologySpreadConstraints", [])
        over_nodes = [c for c in spread if c["topologyKey"] == "kubernetes.io/hostname"]
        assert over_nodes, f"{name} may put all its replicas on one node"
        assert selects(over_nodes[0]["labelSelector"]["matchLabels"], workload.pod_labels)


def test_every_service_selects_the_pods_of_its_deployment(rendered):
    pods = deployments(rendered)
    for service in rendered.of_kind("Service"):
        if service["spec"]["type"] == "ExternalName":
            continue
        name = service["metadata"]["name"]
        assert service["spec"]["type"] == "ClusterIP", f"{name} is exposed outside the cluster"
        deployment = rendered.named("Deployment", name)
        # Exactly the Deployment's selector: not its migration Job's pods too.
        assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert selects(service["spec"]["selector"], pods[name].pod_labels), name
        (port,) = service["spec"]["ports"]
        assert port["port"] == HTTP_PORTS[name] and port["targetPort"] == "http"


def test_dev_runs_one_replica_and_prod_at_least_three(overlays):
    for overlay, expected_min in (("dev", 1), ("prod", 3)):
        for hpa in overlays[overlay].of_kind("HorizontalPodAutoscaler"):
            assert hpa["spec"]["minReplicas"] == expected_min, (overlay, hpa["metadata"]["name"])
    for hpa in overlays["dev"].of_kind("HorizontalPodAutoscaler"):
        assert hpa["spec"]["maxReplicas"] == 1


def test_prod_pins_a_release_image_tag_and_gets_more_resources_than_dev(overlays):
    for workload in workloads(overlays["prod"]):
        for container in workload.containers():
            image = container["image"]
            tag = image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else ""
            assert "@sha256:" in image or tag not in ("", "latest", "dev"), image
    dev, prod = deployments(overlays["dev"]), deployments(overlays["prod"])
    for name in prod:
        dev_limits = dev[name].pod_spec["containers"][0]["resources"]["limits"]
        prod_limits = prod[name].pod_spec["containers"][0]["resources"]["limits"]
        assert memory_mib(prod_limits["memory"]) > memory_mib(dev_limits["memory"]), name


def memory_mib(quantity: str) -> float:
    units = {"Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


# --- Secrets and configuration ------------------------------------------------------------


def test_no_secret_value_is_rendered(rendered):
    for secret in rendered.of_kind("Secret"):
        assert not secret.get("data") and not secret.get("stringData"), secret["metadata"]
    for config_map in rendered.of_kind("ConfigMap"):
        for key, value in config_map["data"].items():
            assert "@" not in value, f"{key} in a ConfigMap looks like a URL with credentials"


def test_every_referenced_secret_is_a_bureau_secret_documented_in_deploy_md(rendered):
    guide = (REPO / "docs" / "deploy.md").read_text()
    names = secret_refs(rendered)
    assert {"bureau-amqp", *(f"bureau-{service}-db" for service in SERVICES)} <= names
    for name in names:
        assert name.startswith("bureau-"), name
        assert f"`{name}`" in guide, f"docs/deploy.md does not say how to create {name}"


def test_the_dependencies_are_external_names_every_overlay_points_somewhere_real(rendered):
    external = {
        s["metadata"]["name"]: s
        for s in rendered.of_kind("Service")
        if s["spec"]["type"] == "ExternalName"
    }
    assert set(external) == {"rabbitmq", "postgres", "redis"}
    for service in external.values():
        assert not service["spec"]["externalName"].endswith(".example.internal"), (
            f"overlays/{rendered.overlay} leaves {service['metadata']['name']} at the placeholder"
        )


# --- Network ------------------------------------------------------------------------------


def policies_selecting(rendered: Rendered, labels: dict[str, str], direction: str) -> list[dict]:
    return [
        policy["spec"]
        for policy in rendered.of_kind("NetworkPolicy")
        if direction in policy["spec"]["policyTypes"]
        and selects(policy["spec"]["podSelector"].get("matchLabels", {}), labels)
    ]


def sources_outside(rule: dict[str, Any], namespace: str) -> set[str]:
    """Where an ingress rule admits traffic from, other than this namespace's own pods."""
    peers = rule.get("from")
    if not peers:
        return {"anywhere"}
    outside: set[str] = set()
    for peer in peers:
        if "ipBlock" in peer:
            outside.add(f"ipBlock {peer['ipBlock']['cidr']}")
        elif "namespaceSelector" in peer:
            selector = peer["namespaceSelector"]
            name = selector.get("matchLabels", {}).get("kubernetes.io/metadata.name")
            if selector.get("matchExpressions") or name is None:
                outside.add("any namespace")
            elif name != namespace:
                outside.add(name)
    return outside


def test_every_pod_is_denied_all_traffic_unless_a_policy_allows_it(rendered):
    deny_all = [
        policy["spec"]
        for policy in rendered.of_kind("NetworkPolicy")
        if policy["spec"]["podSelector"] == {}
        and set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not policy["spec"].get("ingress")
        and not policy["spec"].get("egress")
    ]
    assert deny_all, "no default-deny NetworkPolicy for the namespace"
    for policy in rendered.of_kind("NetworkPolicy"):
        assert not policy["spec"]["podSelector"].get("matchExpressions"), "keep selectors simple"


def test_only_the_gateway_accepts_traffic_from_outside_the_namespace(rendered):
    namespace = rendered.namespace
    for workload in workloads(rendered):
        rules = [
            rule
            for spec in policies_selecting(rendered, workload.pod_labels, "Ingress")
            for rule in spec.get("ingress", [])
        ]
        outside = [(rule, sources_outside(rule, namespace)) for rule in rules]
        if workload.kind == "Deployment" and workload.process == GATEWAY:
            assert any("ingress-nginx" in sources for _, sources in outside)
            continue
        for rule, sources in outside:
            if not sources:
                continue
            # Prometheus may scrape a service's HTTP port, and nothing more.
            assert sources == {MONITORING_NAMESPACE}, f"{workload.name} accepts {sources}"
            assert rule["ports"] == [{"protocol": "TCP", "port": HTTP_PORTS[workload.process]}]
        if workload.kind == "Job":
            assert not rules, f"{workload.name} accepts connections"


def test_only_the_gateway_is_routed_to_by_an_ingress(rendered):
    backends = {
        path["backend"]["service"]["name"]
        for ingress in rendered.of_kind("Ingress")
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {GATEWAY}


def allowed_egress_ports(rendered: Rendered, labels: dict[str, str]) -> set[int]:
    ports: set[int] = set()
    for spec in policies_selecting(rendered, labels, "Egress"):
        for rule in spec.get("egress", []):
            assert rule.get("ports"), "an egress rule without ports opens every port"
            ports.update(port["port"] for port in rule["ports"])
    return ports


def test_each_process_may_reach_exactly_the_dependencies_it_uses(rendered):
    expected = {service: {DNS, AMQP, POSTGRES} for service in SERVICES}
    expected[GATEWAY] = {DNS, AMQP, REDIS}
    for name, workload in deployments(rendered).items():
        assert allowed_egress_ports(rendered, workload.pod_labels) == expected[name], name
    for workload in workloads(rendered):
        if workload.kind == "Job":
            assert allowed_egress_ports(rendered, workload.pod_labels) == {DNS, POSTGRES}


def test_the_gateway_trusts_exactly_the_ingress_hop_for_client_addresses(rendered):
    """Without it every client shares the ingress's address: one rate limit for all."""
    (container,) = deployments(rendered)["gateway"].pod_spec["containers"]
    assert settings_of(container, rendered)["BUREAU_PROXY_HOPS"] == "1"
