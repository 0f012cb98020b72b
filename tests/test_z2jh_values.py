"""autograder/z2jh/ (Zero to JupyterHub values and the course service's manifest) agrees with
the course's configuration, the way tests/test_jupyterhub_config.py checks the one-machine hub.

No Kubernetes here: the YAML is parsed and checked for what a class needs: the course service
registered under the course id and reachable by graders only, its pod running the formgrader
from the course's autograder/ folder on the PostgreSQL gradebook, one exchange shared by every
learner's pod and the service's pod (ReadWriteMany) at the path both nbgrader configurations
use, per-user storage, resource limits, and learners' servers without instructor tools.
"""

from __future__ import annotations

import json

import pytest
from conftest import REPO
from traitlets.config.loader import PyFileConfigLoader

yaml = pytest.importorskip("yaml")

Z2JH = REPO / "autograder" / "z2jh"


def load_values() -> dict:
    return yaml.safe_load((Z2JH / "values.yaml").read_text())


def manifests() -> dict[tuple[str, str], dict]:
    docs = [d for d in yaml.safe_load_all((Z2JH / "course-service.yaml").read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def course_config(tmp_path, monkeypatch, exchange: str):
    monkeypatch.setenv("CXLABS_EXCHANGE", exchange)
    monkeypatch.setenv("CXLABS_COURSE_ROOT", str(tmp_path / "course"))
    return PyFileConfigLoader("nbgrader_config.py", path=str(REPO / "autograder")).load_config()


def hub_config(monkeypatch):
    return PyFileConfigLoader("jupyterhub_config.py", path=str(REPO / "autograder")).load_config()


def env_of(container: dict) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def test_course_service_is_registered_for_graders_only(tmp_path, monkeypatch):
    values, objects = load_values(), manifests()
    course = course_config(tmp_path, monkeypatch, "/srv/nbgrader/exchange")
    course_id = course.CourseDirectory.course_id
    hub = hub_config(monkeypatch)

    services = values["hub"]["services"]
    assert list(services) == [course_id], "nbgrader finds the formgrader by the course id"
    service = services[course_id]
    assert service["oauth_no_confirm"] is True
    host, port = service["url"].removeprefix("http://").split(":")
    svc = objects[("Service", host)]
    assert [p["port"] for p in svc["spec"]["ports"]] == [int(port)]
    deployment = objects[("Deployment", host)]
    assert svc["spec"]["selector"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()

    # the same roles and groups as the one-machine hub
    roles = values["hub"]["loadRoles"]
    [hub_grader_role] = [r for r in hub.JupyterHub.load_roles if r["name"] == f"formgrade-{course_id}"]
    assert roles[f"formgrade-{course_id}"]["scopes"] == hub_grader_role["scopes"]
    assert roles[f"formgrade-{course_id}"]["groups"] == [f"formgrade-{course_id}"]
    groups = values["hub"]["config"]["JupyterHub"]["load_groups"]
    assert set(groups) == set(hub.JupyterHub.load_groups) == {f"formgrade-{course_id}", f"nbgrader-{course_id}"}
    assert all(set(g) == {"users"} for g in groups.values()), "JupyterHub's dict format"
    admins = set(values["hub"]["config"]["Authenticator"]["admin_users"])
    assert admins <= set(groups[f"formgrade-{course_id}"]["users"]), "instructors grade"
    learners = set(groups[f"nbgrader-{course_id}"]["users"])
    assert not learners & set(groups[f"formgrade-{course_id}"]["users"]), "no learner reaches the formgrader"
    assert learners | admins <= set(values["hub"]["config"]["Authenticator"]["allowed_users"])


def test_course_service_pod_runs_the_formgrader_on_the_course(tmp_path, monkeypatch):
    values, objects = load_values(), manifests()
    [deployment] = [o for (kind, _), o in objects.items() if kind == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    env = env_of(container)
    course_id = course_config(tmp_path, monkeypatch, "/x").CourseDirectory.course_id

    assert container["command"][0] == "jupyterhub-singleuser"
    assert f"{container['workingDir'].rsplit('/', 1)[0]}" in " ".join(container["command"]), \
        "the server's root is the clone holding autograder/ (the formgrader needs the course root inside it)"
    assert container["workingDir"].endswith("/autograder"), "nbgrader reads autograder/nbgrader_config.py there"
    assert env["PYTHONPATH"] == container["workingDir"]
    assert "--ServerApp.jpserver_extensions=cxlabs_formgrader_sessions=True" in container["command"]
    assert (REPO / "autograder" / "cxlabs_formgrader_sessions.py").is_file()
    shell = [a for a in container["command"] if a.startswith("--ServerApp.terminado_settings=")]
    assert json.loads(shell[0].split("=", 1)[1])["shell_command"] == ["/bin/bash"]
    assert env["JUPYTERHUB_SERVICE_NAME"] == course_id
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == f"/services/{course_id}/"
    assert env["JUPYTERHUB_API_TOKEN"] == {"secretKeyRef": {"name": "hub",
                                                            "key": f"hub.services.{course_id}.apiToken"}}
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/formgrader"
    assert str(env["CXLABS_GRADEBOOK_URL"]).startswith("postgresql+psycopg2://")
    assert container["image"] == f"{values['singleuser']['image']['name']}:{values['singleuser']['image']['tag']}"
    limits = container["resources"]["limits"]
    assert limits["cpu"] and limits["memory"]
    # the service's gradebook and exchange are what the course configuration reads
    course = course_config(tmp_path, monkeypatch, env["CXLABS_EXCHANGE"])
    assert course.Exchange.root == env["CXLABS_EXCHANGE"]
    monkeypatch.setenv("CXLABS_GRADEBOOK_URL", env["CXLABS_GRADEBOOK_URL"])
    course = course_config(tmp_path, monkeypatch, env["CXLABS_EXCHANGE"])
    assert course.CourseDirectory.db_url == env["CXLABS_GRADEBOOK_URL"]


def test_one_exchange_shared_by_every_pod(tmp_path, monkeypatch):
    values, objects = load_values(), manifests()
    single = values["singleuser"]
    [deployment] = [o for (kind, _), o in objects.items() if kind == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    exchange = single["extraEnv"]["CXLABS_EXCHANGE"]
    assert env_of(container)["CXLABS_EXCHANGE"] == exchange

    def claim_at(volumes, mounts, path):
        [mount] = [m for m in mounts if m["mountPath"] == path]
        [volume] = [v for v in volumes if v["name"] == mount["name"]]
        return volume["persistentVolumeClaim"]["claimName"], mount

    learner_claim, learner_mount = claim_at(single["storage"]["extraVolumes"],
                                            single["storage"]["extraVolumeMounts"], exchange)
    service_claim, service_mount = claim_at(pod["volumes"], container["volumeMounts"], exchange)
    assert learner_claim == service_claim, "learners and the formgrader must see the same exchange"
    assert not learner_mount.get("readOnly") and not service_mount.get("readOnly")
    assert "ReadWriteMany" in objects[("PersistentVolumeClaim", learner_claim)]["spec"]["accessModes"], \
        "an exchange across pods needs a volume every pod mounts read-write"

    # the learners' nbgrader and the course's nbgrader read the same exchange and course
    learner_py = single["extraFiles"]["learner-nbgrader-config"]["stringData"]
    (tmp_path / "nbgrader_config.py").write_text(learner_py)
    monkeypatch.setenv("CXLABS_EXCHANGE", exchange)
    learner = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    ours = PyFileConfigLoader("learner_nbgrader_config.py", path=str(REPO / "autograder")).load_config()
    course = course_config(tmp_path, monkeypatch, exchange)
    assert learner == ours or (learner.CourseDirectory.course_id == ours.CourseDirectory.course_id
                               and learner.Exchange.root == ours.Exchange.root)
    assert learner.CourseDirectory.course_id == course.CourseDirectory.course_id
    assert learner.Exchange.root == course.Exchange.root == exchange

    # the course data, read-only, at the same path for both
    data = single["extraEnv"]["CXLABS_DATA_DIR"]
    assert env_of(container)["CXLABS_DATA_DIR"] == data
    assert claim_at(single["storage"]["extraVolumes"], single["storage"]["extraVolumeMounts"], data)[1]["readOnly"]


def test_learners_storage_limits_and_no_instructor_tools():
    single = load_values()["singleuser"]
    assert single["storage"]["type"] == "dynamic" and single["storage"]["capacity"], "per-user storage"
    assert single["cpu"]["limit"] and single["memory"]["limit"], "resource limits"
    assert single["cpu"]["guarantee"] <= single["cpu"]["limit"]
    config_path = single["extraEnv"]["JUPYTER_CONFIG_PATH"]
    files = {f["mountPath"]: f for f in single["extraFiles"].values()}
    folder = REPO / "autograder" / "learner-jupyter"
    for rel in ("jupyter_server_config.json", "labconfig/page_config.json"):
        mounted = files[f"{config_path}/{rel}"]
        assert mounted["data"] == json.loads((folder / rel).read_text()), \
            f"values.yaml's copy of autograder/learner-jupyter/{rel} drifted"
    assert f"{config_path}/nbgrader_config.py" in files


def test_learners_read_the_given_results_the_grader_writes():
    """The course image has cxlabs as a package (no ``datasets/given``): learners' pods read the
    given results from a read-only volume at ``CXLABS_GIVEN_DIR``, which the course service's
    pod mounts writable at the same path (the grader fills it with ``course.py given --out``)."""
    values, objects = load_values(), manifests()
    single = values["singleuser"]
    where = single["extraEnv"]["CXLABS_GIVEN_DIR"]
    [mount] = [m for m in single["storage"]["extraVolumeMounts"] if m["mountPath"] == where]
    [volume] = [v for v in single["storage"]["extraVolumes"] if v["name"] == mount["name"]]
    claim = volume["persistentVolumeClaim"]["claimName"]
    assert mount["readOnly"], "learners only read the given results"
    assert ("PersistentVolumeClaim", claim) in objects
    [deployment] = [o for (kind, _), o in objects.items() if kind == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    [service_mount] = [m for m in container["volumeMounts"] if m["mountPath"] == where]
    [service_volume] = [v for v in pod["volumes"] if v["name"] == service_mount["name"]]
    assert service_volume["persistentVolumeClaim"]["claimName"] == claim
    assert not service_mount.get("readOnly"), "the grader writes them"
