#!/usr/bin/python3
# test_stub_admin.py: self-test of stub_admin: every route, every rejection, fault injection and auth.
"""Usage: test_stub_admin.py PATH/TO/stub_admin   (stdlib only; exit 0 when all checks pass)"""
import base64
import copy
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.path.join(HERE, "catalog.json")
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6}|\.\d{9})?Z$")
RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def typed_catalog(path):
    """catalog.json plus plans for typed inputs, failing runs and a concurrency limit."""
    cat = json.load(open(CATALOG))

    def simple(t):
        return {"type": {"simple": t}}

    typed = {
        "i": {"var": simple("INTEGER"), "required": True},
        "f": {"var": simple("FLOAT"), "required": True},
        "s": {"var": simple("STRING"), "required": True},
        "b": {"var": simple("BOOLEAN"), "required": True},
        "dt": {"var": simple("DATETIME"), "required": True},
        "du": {"var": simple("DURATION"), "required": True},
        "xs": {"var": {"type": {"collection_type": {"simple": "INTEGER"}}}, "required": True},
        "m": {"var": {"type": {"map_value_type": {"simple": "STRING"}}}, "required": True},
        "g": {"var": simple("STRUCT"), "required": True},
        "blob": {"var": {"type": {"blob": {"format": "csv", "dimensionality": "SINGLE"}}},
                 "required": True},
        "e": {"var": {"type": {"enum_type": {"values": ["red", "green"]}}}, "required": True},
        "u": {"var": {"type": {"union_type": {"variants": [{"simple": "INTEGER"},
                                                           {"simple": "NONE"}]}}},
              "default": {"scalar": {"none_type": {}}}},
        "n": {"var": simple("NONE"), "default": {"scalar": {"none_type": {}}}},
    }
    cat.append({"project": "flytesnacks", "domain": "development", "name": "typed_wf",
                "version": "t1", "created_at": "2026-03-01T00:00:00Z",
                "expected_inputs": {"parameters": typed}})
    cat.append({"project": "flytesnacks", "domain": "development", "name": "data_sync_wf_fails",
                "version": "v1", "created_at": "2026-03-01T00:00:00Z"})
    cat.append({"project": "flytesnacks", "domain": "development", "name": "single_wf",
                "version": "v1", "created_at": "2026-03-01T00:00:00Z",
                "spec": {"concurrency_policy": {"max": 1,
                                                "behavior": "CONCURRENCY_LIMIT_BEHAVIOR_SKIP"}}})
    cat.append({"project": "flytesnacks", "domain": "development", "name": "fixed_wf",
                "version": "v1", "created_at": "2026-03-01T00:00:00Z",
                "fixed_inputs": {"literals": {"region": {"scalar": {"primitive": {
                    "string_value": "eu"}}}}}})
    with open(path, "w") as f:
        json.dump(cat, f)


class Stub:
    """One stub_admin process on a free loopback port."""

    def __init__(self, *extra, catalog=None):
        self.dir = tempfile.mkdtemp(prefix="stub-admin-test.")
        self.port_file = os.path.join(self.dir, "port")
        self.record = os.path.join(self.dir, "record.jsonl")
        self.log = os.path.join(self.dir, "log.jsonl")
        self.errf = open(os.path.join(self.dir, "stderr"), "w+")
        args = [BIN, "--port", "0", "--port-file", self.port_file,
                "--catalog", catalog or CATALOG, "--record", self.record, "--log", self.log]
        self.proc = subprocess.Popen(args + list(extra), stderr=self.errf)
        self.started = time.monotonic()
        deadline = time.monotonic() + 5
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise AssertionError(f"stub_admin exited {self.proc.returncode}: {self.stderr()}")
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError("stub_admin wrote no port file within 5 s")
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())

    def stderr(self):
        self.errf.flush()
        self.errf.seek(0)
        return self.errf.read()

    def request(self, method, path, body=None, headers=None, raw=None):
        """Returns (status, headers, parsed JSON or text)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        hdrs = dict(JSON_HEADERS if headers is None else headers)
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        text = resp.read().decode()
        conn.close()
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("stub_admin did not exit within 10 s of a signal")
        err = self.stderr()
        self.errf.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        # Under ASan a leak makes the exit status non-zero.
        assert rc == 0, f"stub_admin exited {rc}: {err}"


def create_body(name, version="v2", lp="data_sync_wf", inputs=None, **extra):
    body = {
        "project": "flytesnacks", "domain": "development", "name": name,
        "spec": {"launch_plan": {"resource_type": "LAUNCH_PLAN", "project": "flytesnacks",
                                 "domain": "development", "name": lp, "version": version},
                 "metadata": {"mode": "SCHEDULED", "scheduled_at": "2026-11-26T06:00:00Z"},
                 "labels": {"values": {"team": "data"}}},
        "inputs": {"literals": inputs if inputs is not None else
                   {"site_id": {"scalar": {"primitive": {"string_value": "site_a"}}}}},
    }
    body.update(extra)
    return body


def expect_error(resp, status, code, *needles):
    st, _, body = resp
    assert st == status, f"want {status}, got {st}: {body}"
    assert isinstance(body, dict) and body.get("code") == code, f"want code {code}: {body}"
    assert body.get("details") == [], body
    for n in needles:
        assert n in body["message"], f"{n!r} not in {body['message']!r}"


def expect_ok(resp):
    st, _, body = resp
    assert st == 200, f"want 200, got {st}: {body}"
    return body


# --- checks ---------------------------------------------------------------

def check_launch_plans(s):
    lp = expect_ok(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1"))
    assert lp["id"] == {"resource_type": "LAUNCH_PLAN", "project": "flytesnacks",
                        "domain": "development", "name": "data_sync_wf", "version": "v1",
                        "org": ""}, lp["id"]
    params = lp["closure"]["expected_inputs"]["parameters"]
    assert set(params) == {"site_id", "since", "retries"}, params
    assert params["site_id"]["required"] is True
    assert params["site_id"]["var"]["type"]["simple"] == "STRING"
    assert params["since"]["default"]["scalar"]["primitive"]["datetime"] == "1970-01-01T00:00:00Z"
    assert params["retries"]["default"]["scalar"]["primitive"]["integer"] == "3"
    assert lp["closure"]["created_at"] == "2026-01-10T09:00:00Z"
    assert lp["closure"]["state"] == "INACTIVE"
    assert lp["spec"]["workflow_id"]["resource_type"] == "WORKFLOW"
    expect_error(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v9"),
                 404, 5, "v9")
    base = "/api/v1/launch_plans/flytesnacks/development/data_sync_wf"
    page = expect_ok(s.request("GET", base + "?limit=1&sort_by.key=created_at"
                               "&sort_by.direction=DESCENDING"))
    assert [p["id"]["version"] for p in page["launch_plans"]] == ["v2"], page
    assert page["token"] == "1", page["token"]
    page2 = expect_ok(s.request("GET", base + "?limit=1&token=1&sort_by.key=created_at"
                                "&sort_by.direction=DESCENDING"))
    assert [p["id"]["version"] for p in page2["launch_plans"]] == ["v1"] and page2["token"] == ""
    asc = expect_ok(s.request("GET", base + "?limit=5&sort_by.key=created_at"
                              "&sort_by.direction=ASCENDING"))
    assert [p["id"]["version"] for p in asc["launch_plans"]] == ["v1", "v2"], asc
    camel = expect_ok(s.request("GET", base + "?limit=5&sortBy.key=created_at"))
    assert [p["id"]["version"] for p in camel["launch_plans"]] == ["v2", "v1"]
    none = expect_ok(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/nope?limit=1"))
    assert none == {"launch_plans": [], "token": ""}, none
    expect_error(s.request("GET", base), 400, 3, "limit")
    expect_error(s.request("GET", base + "?limit=1&sort_by.direction=DOWN"), 400, 3, "DOWN")
    expect_error(s.request("GET", base + "?limit=1&sort_by.key=colour"), 400, 3, "colour")
    active = expect_ok(s.request("GET", "/api/v1/active_launch_plans/flytesnacks/development/data_sync_wf"))
    assert active["id"]["version"] == "v2"
    expect_error(s.request("POST", base + "/v1", body={}), 405, 12)


def check_create_get(s):
    body = create_body("sync-a-1")
    resp = expect_ok(s.request("POST", "/api/v1/executions", body))
    assert resp == {"id": {"project": "flytesnacks", "domain": "development",
                           "name": "sync-a-1", "org": ""}}, resp
    ex = expect_ok(s.request("GET", "/api/v1/executions/flytesnacks/development/sync-a-1"))
    assert ex["id"]["name"] == "sync-a-1"
    lp = ex["spec"]["launch_plan"]
    assert (lp["resource_type"], lp["name"], lp["version"]) == ("LAUNCH_PLAN", "data_sync_wf", "v2")
    assert ex["spec"]["metadata"]["scheduled_at"] == "2026-11-26T06:00:00Z"
    assert ex["spec"]["metadata"]["mode"] == "SCHEDULED"
    assert ex["spec"]["labels"] == {"values": {"team": "data"}}
    cl = ex["closure"]
    assert cl["phase"] == "QUEUED" and cl["started_at"] is None, cl
    assert RFC3339.match(cl["created_at"]) and RFC3339.match(cl["updated_at"]), cl
    # No Accept and no Content-Type: grpc-gateway's default marshaler, lowerCamelCase.
    _, _, camel = s.request("GET", "/api/v1/executions/flytesnacks/development/sync-a-1", headers={})
    assert "launchPlan" in camel["spec"] and "scheduledAt" in camel["spec"]["metadata"], camel
    expect_error(s.request("GET", "/api/v1/executions/flytesnacks/development/nope"), 404, 5, "nope")
    # Duplicate name: AlreadyExists.
    expect_error(s.request("POST", "/api/v1/executions", body), 409, 6, "already exists")
    # lowerCamelCase input, enum by number, int64 as a JSON number, offset time.
    camel_body = {
        "project": "flytesnacks", "domain": "development", "name": "sync-camel",
        "spec": {"launchPlan": {"resourceType": 3, "project": "flytesnacks",
                                "domain": "development", "name": "data_sync_wf", "version": "v1"},
                 "metadata": {"mode": 1, "scheduledAt": "2026-11-26T07:00:00.5+01:00"},
                 "maxParallelism": "5"},
        # Map keys are names, not fields: they stay as they are.
        "inputs": {"literals": {"site_id": {"scalar": {"primitive": {"stringValue": "x"}}},
                                "retries": {"scalar": {"primitive": {"integer": 7}}}}},
        "org": None,  # protojson: null is unset
    }
    expect_ok(s.request("POST", "/api/v1/executions", camel_body))
    ex = expect_ok(s.request("GET", "/api/v1/executions/flytesnacks/development/sync-camel"))
    assert ex["spec"]["launch_plan"]["resource_type"] == "LAUNCH_PLAN"
    assert ex["spec"]["metadata"]["mode"] == "SCHEDULED"
    assert ex["spec"]["metadata"]["scheduled_at"] == "2026-11-26T06:00:00.500Z", ex["spec"]["metadata"]
    assert ex["spec"]["max_parallelism"] == 5
    # No name: Admin makes one up ("a" + 19 characters).
    nameless = create_body("")
    del nameless["name"]
    got = expect_ok(s.request("POST", "/api/v1/executions", nameless))
    assert re.match(r"^a[a-z0-9]{19}$", got["id"]["name"]), got
    # Inputs in the deprecated spec.inputs are still read.
    old = create_body("sync-old-inputs", inputs={})
    old["spec"]["inputs"] = {"literals": {"site_id": {"scalar": {"primitive": {"string_value": "z"}}}}}
    expect_ok(s.request("POST", "/api/v1/executions", old))
    # The security context schedd sends, in both namings; envs and annotations.
    sc = create_body("sync-sc")
    sc["spec"]["security_context"] = {"run_as": {"k8s_service_account": "sync-sa"}}
    sc["spec"]["annotations"] = {"values": {"example.com/owner": "data"}}
    sc["spec"]["envs"] = {"values": [{"key": "K", "value": "V"}]}
    expect_ok(s.request("POST", "/api/v1/executions", sc))
    ex = expect_ok(s.request("GET", "/api/v1/executions/flytesnacks/development/sync-sc"))
    assert ex["spec"]["security_context"]["run_as"]["k8s_service_account"] == "sync-sa", ex["spec"]
    assert ex["spec"]["envs"] == {"values": [{"key": "K", "value": "V"}]}
    sc = create_body("sync-sc-camel")
    sc["spec"]["securityContext"] = {"runAs": {"k8sServiceAccount": "sync-sa"}}
    expect_ok(s.request("POST", "/api/v1/executions", sc))
    # A 63-character name is fine.
    expect_ok(s.request("POST", "/api/v1/executions", create_body("a" + "-0" * 31)))


def check_rejections(s):
    def post(body, **kw):
        return s.request("POST", "/api/v1/executions", body, **kw)

    b = create_body("rej-1")
    b["foo"] = 1
    expect_error(post(b), 400, 3, '"foo"')
    b = create_body("rej-1")
    b["spec"]["metadata"]["bogus"] = True
    expect_error(post(b), 400, 3, '"bogus"', "spec.metadata")
    b = create_body("rej-1")
    # Field 27 of ExecutionSpec is reserved in flyteidl 1.16.5.
    b["spec"]["task_resource_attributes"] = {}
    expect_error(post(b), 400, 3, "task_resource_attributes")
    b = create_body("rej-1")
    b["spec"]["security_context"] = {"run_as": {"service_account": "sa"}}
    expect_error(post(b), 400, 3, '"service_account"', "spec.security_context.run_as")
    b = create_body("rej-1", project=1)
    expect_error(post(b), 400, 3, "project")
    b = create_body("rej-1")
    b["spec"]["max_parallelism"] = "abc"
    expect_error(post(b), 400, 3, "max_parallelism")
    b = create_body("rej-1")
    b["spec"]["interruptible"] = "yes"
    expect_error(post(b), 400, 3, "interruptible")
    b = create_body("rej-1")
    b["spec"]["labels"] = {"values": {"team": 5}}
    expect_error(post(b), 400, 3, "labels")
    b = create_body("rej-1")
    b["spec"]["labels"] = {"team": "data"}
    expect_error(post(b), 400, 3, '"team"')
    b = create_body("rej-1")
    b["spec"]["launch_plan"] = "data_sync_wf"
    expect_error(post(b), 400, 3, "launch_plan")
    b = create_body("rej-1")
    b["spec"]["metadata"]["mode"] = "SCHEDULE"
    expect_error(post(b), 400, 3, "mode", "SCHEDULE")
    b = create_body("rej-1")
    b["spec"]["launch_plan"]["resource_type"] = "LAUNCHPLAN"
    expect_error(post(b), 400, 3, "resource_type")
    b = create_body("rej-1")
    b["spec"]["metadata"]["scheduled_at"] = "2026-11-26 06:00:00Z"
    expect_error(post(b), 400, 3, "scheduled_at", "Timestamp")
    b["spec"]["metadata"]["scheduled_at"] = "2026-11-26T06:00:00"
    expect_error(post(b), 400, 3, "scheduled_at")
    b["spec"]["metadata"]["scheduled_at"] = 1764136800
    expect_error(post(b), 400, 3, "scheduled_at")
    b = create_body("rej-1")
    b["spec"]["launchPlan"] = b["spec"]["launch_plan"]
    expect_error(post(b), 400, 3, "duplicate field")
    b = create_body("rej-1")
    b["spec"]["notifications"] = {"notifications": []}
    b["spec"]["disable_all"] = True
    expect_error(post(b), 400, 3, "oneof")
    b = create_body("rej-1", inputs={"site_id": {"scalar": {
        "primitive": {"string_value": "a", "integer": "1"}}}})
    expect_error(post(b), 400, 3, "oneof")
    b = create_body("rej-1", inputs={"site_id": {"scalar": {"primitive": {"text": "a"}}}})
    expect_error(post(b), 400, 3, '"text"')
    b = create_body("rej-1", inputs={"retries": {"scalar": {"primitive": {"integer": "3.5"}}},
                                     "site_id": {"scalar": {"primitive": {"string_value": "a"}}}})
    expect_error(post(b), 400, 3, "integer")
    b = create_body("rej-1", inputs={"site_id": {"scalar": {"primitive": {"string_value": "a"}}},
                                     "since": {"scalar": {"primitive": {"datetime": "yesterday"}}}})
    expect_error(post(b), 400, 3, "datetime")
    b = create_body("rej-1", inputs=[])
    expect_error(post(b), 400, 3, "literals")
    expect_error(s.request("POST", "/api/v1/executions", raw='{"project": '), 400, 3, "syntax")
    expect_error(s.request("POST", "/api/v1/executions", raw='[]'), 400, 3, "unexpected token")
    # Admin's own checks.
    for bad in ("Sync-1", "1sync", "sync_1", "sync.1", "a" * 64):
        expect_error(post(create_body(bad)), 400, 3, bad)
    b = create_body("rej-1")
    del b["project"]
    expect_error(post(b), 400, 3, "missing project")
    b = create_body("rej-1")
    del b["spec"]
    expect_error(post(b), 400, 3, "missing spec")
    b = create_body("rej-1")
    del b["spec"]["launch_plan"]["version"]
    expect_error(post(b), 400, 3, "missing version")
    b = create_body("rej-1")
    del b["spec"]["launch_plan"]["resource_type"]
    expect_error(post(b), 400, 3, "resource type")
    b = create_body("rej-1", project="nosuchproject")
    expect_error(post(b), 400, 3, "nosuchproject")
    expect_error(post(create_body("rej-1", version="v7")), 404, 5, "v7")
    expect_error(post(create_body("rej-1", lp="no_such_wf")), 404, 5, "no_such_wf")
    b = create_body("rej-1", inputs={"site_id": {"scalar": {"primitive": {"string_value": "a"}}},
                                     "colour": {"scalar": {"primitive": {"string_value": "a"}}}})
    expect_error(post(b), 400, 3, "invalid input colour")
    expect_error(post(create_body("rej-1", inputs={})), 400, 3, "site_id missing")
    b = create_body("rej-1", inputs={"site_id": {"scalar": {"primitive": {"integer": "1"}}}})
    expect_error(post(b), 400, 3, "site_id", "wrong type")
    b = create_body("rej-1")
    b["spec"]["labels"] = {"values": {"team": "data science"}}
    expect_error(post(b), 500, 13, "labels")
    # Nothing rejected was created.
    expect_error(s.request("GET", "/api/v1/executions/flytesnacks/development/rej-1"), 404, 5)
    # Without Content-Type: application/json, grpc-gateway's default marshaler drops unknown fields.
    b = create_body("lenient-1")
    b["foo"] = 1
    st, _, resp = s.request("POST", "/api/v1/executions", b,
                            headers={"Content-Type": "text/plain", "Accept": "application/json"})
    assert st == 200 and resp["id"]["name"] == "lenient-1", (st, resp)


def check_typed_inputs(s):
    def lit(**prim):
        return {"scalar": {"primitive": prim}}

    good = {
        "i": lit(integer="-42"), "f": lit(float_value=1.5), "s": lit(string_value="x"),
        "b": lit(boolean=False), "dt": lit(datetime="2026-11-26T06:00:00Z"),
        "du": lit(duration="5400s"),
        "xs": {"collection": {"literals": [lit(integer="1"), lit(integer=2)]}},
        "m": {"map": {"literals": {"k": lit(string_value="v")}}},
        "g": {"scalar": {"generic": {"a": [1, {"b": None}], "c": "d"}}},
        "blob": {"scalar": {"blob": {"metadata": {"type": {"format": "csv"}},
                                     "uri": "s3://bucket/x.csv"}}},
        "e": lit(string_value="green"),
        "u": {"scalar": {"union": {"value": lit(integer="3"), "type": {"simple": "INTEGER"}}}},
        "n": {"scalar": {"none_type": {}}},
    }

    def body(name, inputs):
        return create_body(name, lp="typed_wf", version="t1", inputs=inputs)

    expect_ok(s.request("POST", "/api/v1/executions", body("typed-ok", good)))
    bad = [
        ("i", lit(string_value="1"), "wrong type"),
        ("f", lit(float_value="fast"), "float_value"),
        ("du", lit(duration="1h30m"), "Duration"),
        ("du", lit(duration="90"), "Duration"),
        ("dt", lit(datetime="2026-02-30T00:00:00Z"), "Timestamp"),
        ("xs", {"collection": {"literals": [lit(string_value="1")]}}, "wrong type"),
        ("m", {"map": {"literals": {"k": lit(integer="1")}}}, "wrong type"),
        ("g", {"scalar": {"generic": [1, 2]}}, "Struct"),
        ("blob", {"scalar": {"blob": {"metadata": {"type": {"format": "csv",
                                                            "dimensionality": "MULTIPART"}},
                                      "uri": "s3://b/d/"}}}, "wrong type"),
        ("blob", {"scalar": {"blob": {"metadata": {"type": {"format": "csv",
                                                            "dimensionality": "TWO"}}}}},
         "dimensionality"),
        ("e", lit(string_value="blue"), "wrong type"),
        ("u", lit(string_value="3"), "wrong type"),
        ("n", lit(integer="0"), "wrong type"),
        ("b", lit(boolean="true"), "boolean"),
    ]
    for key, value, needle in bad:
        inputs = copy.deepcopy(good)
        inputs[key] = value
        expect_error(s.request("POST", "/api/v1/executions", body("typed-bad", inputs)),
                     400, 3, needle)
    # Optional inputs with defaults may be left out; a bare literal fits a union variant.
    inputs = copy.deepcopy(good)
    del inputs["n"]
    inputs["u"] = lit(integer="9")
    expect_ok(s.request("POST", "/api/v1/executions", body("typed-ok-2", inputs)))
    # A fixed input cannot be given at all: it is not an expected input.
    fixed = create_body("fixed-1", lp="fixed_wf", version="v1",
                        inputs={"region": lit(string_value="us")})
    expect_error(s.request("POST", "/api/v1/executions", fixed), 400, 3, "invalid input region")


def check_phases_and_terminate(s):
    # This stub runs with --phase-after 0.4.
    expect_ok(s.request("POST", "/api/v1/executions", create_body("ph-1")))
    expect_ok(s.request("POST", "/api/v1/executions",
                        create_body("ph-fail", lp="data_sync_wf_fails", version="v1", inputs={})))
    path = "/api/v1/executions/flytesnacks/development/"
    assert expect_ok(s.request("GET", path + "ph-1"))["closure"]["phase"] == "QUEUED"
    time.sleep(0.5)
    cl = expect_ok(s.request("GET", path + "ph-1"))["closure"]
    assert cl["phase"] == "RUNNING" and RFC3339.match(cl["started_at"]), cl
    time.sleep(0.45)
    cl = expect_ok(s.request("GET", path + "ph-1"))["closure"]
    assert cl["phase"] == "SUCCEEDED" and cl["duration"].endswith("s"), cl
    cl = expect_ok(s.request("GET", path + "ph-fail"))["closure"]
    assert cl["phase"] == "FAILED" and cl["error"]["kind"] == "USER", cl
    # Terminate a running one; a finished one refuses.
    expect_ok(s.request("POST", "/api/v1/executions", create_body("ph-2")))
    assert expect_ok(s.request("DELETE", path + "ph-2", {"cause": "cancel-previous"})) == {}
    cl = expect_ok(s.request("GET", path + "ph-2"))["closure"]
    assert cl["phase"] == "ABORTED" and cl["abort_metadata"]["cause"] == "cancel-previous", cl
    time.sleep(0.9)
    assert expect_ok(s.request("GET", path + "ph-2"))["closure"]["phase"] == "ABORTED"
    expect_error(s.request("DELETE", path + "ph-2", {"cause": "again"}), 400, 9, "terminated")
    expect_error(s.request("DELETE", path + "ph-1", {"cause": "late"}), 400, 9, "terminated")
    expect_error(s.request("DELETE", path + "nope", {"cause": "x"}), 404, 5)
    # The id form grpc-gateway also takes; unknown fields are refused here too.
    expect_ok(s.request("POST", "/api/v1/executions", create_body("ph-3")))
    expect_error(s.request("DELETE", path + "ph-3", {"cause": "x", "reason": "y"}), 400, 3, '"reason"')
    idf = {"id": {"project": "flytesnacks", "domain": "development", "name": "ph-3"}, "cause": "x"}
    expect_ok(s.request("DELETE", path + "ph-3", idf))
    # The control endpoint pins a phase, for overlap tests that must not race a clock.
    expect_ok(s.request("POST", "/api/v1/executions", create_body("ph-4")))
    expect_ok(s.request("POST", "/stub/executions/flytesnacks/development/ph-4/phase",
                        {"phase": "RUNNING"}))
    time.sleep(0.9)
    assert expect_ok(s.request("GET", path + "ph-4"))["closure"]["phase"] == "RUNNING"
    expect_error(s.request("POST", "/stub/executions/flytesnacks/development/ph-4/phase",
                           {"phase": "DONE"}), 400, 3)
    # Launch plan concurrency SKIP: an AlreadyExists that is not a duplicate.
    one = create_body("conc-1", lp="single_wf", version="v1", inputs={})
    expect_ok(s.request("POST", "/api/v1/executions", one))
    one["name"] = "conc-2"
    expect_error(s.request("POST", "/api/v1/executions", one), 409, 6, "concurrency limit (1)")
    expect_error(s.request("GET", path + "conc-2"), 404, 5)


def check_records_and_control(s):
    expect_ok(s.request("POST", "/api/v1/executions", create_body("rec-1")))
    expect_error(s.request("POST", "/api/v1/executions", create_body("Bad")), 400, 3)
    expect_ok(s.request("GET", "/api/v1/executions/flytesnacks/development/rec-1"))
    expect_ok(s.request("DELETE", "/api/v1/executions/flytesnacks/development/rec-1",
                        {"cause": "bye"}))
    recs = expect_ok(s.request("GET", "/stub/requests"))
    assert [(r["method"], r["path"]) for r in recs] == [
        ("POST", "/api/v1/executions"),
        ("GET", "/api/v1/executions/flytesnacks/development/rec-1"),
        ("DELETE", "/api/v1/executions/flytesnacks/development/rec-1")], recs
    assert recs[0]["body"] == create_body("rec-1"), recs[0]
    assert recs[1]["body"] is None and recs[2]["body"] == {"cause": "bye"}
    assert all(RFC3339_MS.match(r["at"]) for r in recs), recs
    assert recs[0]["content_type"] == "application/json" and recs[0]["accept"] == "application/json"
    posts = expect_ok(s.request("GET", "/stub/requests?method=POST"))
    assert len(posts) == 1
    lines = [json.loads(line) for line in open(s.record)]
    assert lines == recs, (lines, recs)
    log = [json.loads(line) for line in open(s.log)]
    assert [x["status"] for x in log if x["path"].startswith("/api")] == [200, 400, 200, 200], log
    assert "Bad" in log[1]["note"]
    expect_ok(s.request("POST", "/stub/reset"))
    assert expect_ok(s.request("GET", "/stub/requests")) == []
    assert open(s.record).read() == ""
    expect_error(s.request("GET", "/api/v1/executions/flytesnacks/development/rec-1"), 404, 5)
    expect_ok(s.request("POST", "/api/v1/executions", create_body("rec-1")))
    expect_error(s.request("GET", "/api/v1/nothing"), 404, 5)
    expect_error(s.request("PUT", "/api/v1/executions"), 405, 12)
    st, _, _ = s.request("GET", "/healthcheck")
    assert st == 200
    # Without --auth the discovery endpoints are not there.
    expect_error(s.request("GET", "/.well-known/oauth-authorization-server"), 404, 5)


EXECS = "/api/v1/executions/flytesnacks/development"


def err_body(code, message):
    return {"code": code, "message": message, "details": []}


def check_list_executions(s):
    # Five executions of data_sync_wf v2 and one of v1; phases pinned, so nothing moves.
    names = ["ls-%d" % i for i in range(5)]
    for n in names:
        expect_ok(s.request("POST", "/api/v1/executions", create_body(n)))
    expect_ok(s.request("POST", "/api/v1/executions", create_body("ls-old", version="v1")))
    for n, ph in [("ls-1", "RUNNING"), ("ls-2", "SUCCEEDED"), ("ls-3", "RUNNING")]:
        expect_ok(s.request("POST", "/stub/executions/flytesnacks/development/%s/phase" % n,
                            {"phase": ph}))
    every = names + ["ls-old"]
    get = {n: expect_ok(s.request("GET", EXECS + "/" + n)) for n in every}

    def page(query, status=200):
        st, _, body = s.request("GET", EXECS + "?" + query)
        assert st == status, (query, st, body)
        return body

    def expect_page(query, want, token):
        # Whole bodies: each execution exactly as GetExecution answers it.
        got = page(query)
        assert got == {"executions": [get[n] for n in want], "token": token}, (query, got)

    # limit is required; pages in creation order; a full page carries offset + limit.
    expect_page("limit=4", every[:4], "4")
    expect_page("limit=4&token=4", every[4:], "")
    expect_page("limit=3&token=3", every[3:], "6")
    expect_page("limit=3&token=6", [], "")
    # Names: value_in with ';' sent as %3B; '+' between expressions as %2B.
    expect_page("limit=10&filters=value_in(execution_name,ls-3%3Bls-1%3Bnope)",
                ["ls-1", "ls-3"], "")
    # Admin's regexp takes one space after the comma (`,\s?`), not two.
    expect_page("limit=10&filters=eq(execution_name,ls-4)", ["ls-4"], "")
    expect_page("limit=10&filters=eq(execution_name,%20ls-4)", ["ls-4"], "")
    expect_page("limit=10&filters=eq(execution_name,%20%20ls-4)", [], "")
    expect_page("limit=10&filters=eq(execution.execution_name,ls-4)", ["ls-4"], "")
    expect_page("limit=10&filters=eq(phase,RUNNING)", ["ls-1", "ls-3"], "")
    expect_page("limit=10&filters=eq(execution.phase,%20RUNNING)", ["ls-1", "ls-3"], "")
    expect_page("limit=10&filters=ne(phase,QUEUED)%2Bvalue_in(execution_name,ls-1%3Bls-2)",
                ["ls-1", "ls-2"], "")
    expect_page("limit=10&filters=value_not_in(phase,QUEUED%3BRUNNING)", ["ls-2"], "")
    expect_page("limit=10&filters=eq(launch_plan.version,v1)", ["ls-old"], "")
    expect_page("limit=10&filters=eq(launch_plan.name,data_sync_wf)%2Bne(launch_plan.version,v1)",
                names, "")
    expect_page("limit=10&filters=eq(workflow.name,data_sync_wf)%2Beq(workflow.version,v1)",
                ["ls-old"], "")
    expect_page("limit=10&filters=contains(execution_name,-o)", ["ls-old"], "")
    expect_page("limit=10&filters=not_like(execution_name,ls-_)", ["ls-old"], "")
    expect_page("limit=10&filters=gte(execution_name,ls-3)", ["ls-3", "ls-4", "ls-old"], "")
    expect_page("limit=10&filters=lt(execution_name,ls-1)", ["ls-0"], "")
    created = get["ls-2"]["closure"]["created_at"]
    expect_page("limit=10&filters=gt(created_at,%s)" % created, ["ls-3", "ls-4", "ls-old"], "")
    expect_page("limit=10&filters=lte(execution_created_at,%s)" % created,
                ["ls-0", "ls-1", "ls-2"], "")
    expect_page("limit=10&filters=gt(started_at,2000-01-01T00:00:00Z)", ["ls-1", "ls-2", "ls-3"], "")
    # Sorting: any execution column; a key without a direction is DESCENDING.
    expect_page("limit=10&sort_by.key=execution_name&sort_by.direction=ASCENDING", sorted(every), "")
    expect_page("limit=10&sort_by.key=execution_name", sorted(every, reverse=True), "")
    expect_page("limit=10&sortBy.key=created_at&sortBy.direction=DESCENDING", every[::-1], "")
    expect_page("limit=2&sort_by.key=phase&sort_by.direction=ASCENDING", ["ls-0", "ls-4"], "2")
    # id.name narrows to one execution name, as Admin's identifier filter does.
    expect_page("limit=10&id.name=ls-2", ["ls-2"], "")
    # Other projects and domains see nothing.
    st, _, body = s.request("GET", "/api/v1/executions/flytesnacks/production?limit=5")
    assert (st, body) == (200, {"executions": [], "token": ""}), body
    # No Accept: lowerCamelCase, as GetExecution answers.
    st, _, camel = s.request("GET", EXECS + "?limit=1", headers={})
    assert "launchPlan" in camel["executions"][0]["spec"] and camel["token"] == "1", camel

    # Errors, exactly as flyteadmin (and Go's net/http under grpc-gateway) word them.
    cases = [
        ("", 400, 3, "invalid value for limit"),
        ("limit=0", 400, 3, "invalid value for limit"),
        ("limit=10&filters=value_in(execution_name,ls-1;ls-2)", 400, 3,
         "invalid semicolon separator in query"),
        ("limit=10&filters=eq(phase,%zz)", 400, 3, 'invalid URL escape "%zz"'),
        ("limit=10&filters=eq(execution.name,ls-1)", 400, 3, "'e.name' is invalid filter"),
        ("limit=10&filters=eq(name,ls-1)", 400, 3, "'e.name' is invalid filter"),
        ("limit=10&filters=eq(launch_plan.colour,red)", 400, 3, "'l.colour' is invalid filter"),
        ("limit=10&filters=eq(node_execution.phase,RUNNING)", 400, 3,
         "'ne' entity is not allowed in filters"),
        ("limit=10&filters=phase=RUNNING", 400, 3, "invalid value for filters"),
        ("limit=10&filters=eq(phase,RUNNING)+eq(execution_name,ls-1)", 400, 3,
         "unrecognized filter function: eq(phase,RUNNING) eq"),
        ("limit=10&filters=equals(phase,RUNNING)", 400, 3, "unrecognized filter function: equals"),
        ("limit=10&filters=eq(duration,soon)", 400, 3, "Failed to parse duration [soon]"),
        ("limit=10&filters=eq(mode,1)", 400, 3, "stub: filters on 'e.mode' are not supported"),
        ("limit=10&sort_by.key=colour", 400, 3, "invalid sort key 'colour'"),
        ("limit=10&sort_by.direction=ASCENDING", 400, 3, "invalid sort key ''"),
        ("limit=10&sort_by.key=mode", 400, 3, "stub: sort key 'mode' is not supported"),
        ("limit=10&sort_by.direction=UP", 400, 3,
         'parsing field "sort_by.direction": UP is not a valid flyteidl.admin.Sort.Direction'),
        ("limit=10&token=x", 400, 3, "invalid pagination token x for ListExecutions"),
        ("limit=10&token=-1", 400, 3, "invalid pagination token -1 for ListExecutions"),
        # What Postgres refuses when the query runs: Admin's Unknown, after its own checks.
        ("limit=10&filters=gt(created_at,yesterday)", 500, 2,
         'failed database operation with invalid input syntax for type timestamp with time '
         'zone: "yesterday"'),
        ("limit=10&filters=eq(phase,RUNNING%3BQUEUED)", 500, 2,
         "failed database operation with operator does not exist: text = record"),
        ("limit=10&filters=gt(created_at,yesterday)&token=x", 400, 3,
         "invalid pagination token x for ListExecutions"),
    ]
    for query, status, code, message in cases:
        got = page(query, status)
        assert got == err_body(code, message), (query, got)


def check_stats(s):
    stats = expect_ok(s.request("GET", "/stub/stats"))
    assert set(stats) == {"creates", "execution_gets", "list_executions", "deletes",
                          "launch_plan_gets", "executions", "hostile_answers",
                          "injected_headers", "lateness_ms", "now"}, stats
    assert (stats["hostile_answers"], stats["injected_headers"]) == (0, 0), stats
    assert stats["creates"] == {"requests": 0, "accepted": 0, "first_at": None, "last_at": None}
    assert stats["lateness_ms"] == {"count": 0, "min": None, "p50": None, "p99": None,
                                    "max": None}, stats
    t0 = time.time()
    # Scheduled 2 s and 4 s ago (ms precision); one without scheduled_at; one refused.
    for i, ago in enumerate([2.0, 4.0, 2.0]):
        at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 - ago)) + \
            ".%03dZ" % int(((t0 - ago) % 1) * 1000)
        body = create_body("st-%d" % i)
        body["spec"]["metadata"]["scheduled_at"] = at
        expect_ok(s.request("POST", "/api/v1/executions", body))
    body = create_body("st-manual")
    del body["spec"]["metadata"]["scheduled_at"]
    expect_ok(s.request("POST", "/api/v1/executions", body))
    expect_error(s.request("POST", "/api/v1/executions", create_body("st-0")), 409, 6)
    t1 = time.time()
    expect_ok(s.request("GET", EXECS + "/st-0"))
    expect_error(s.request("GET", EXECS + "/nope"), 404, 5)
    expect_ok(s.request("GET", EXECS + "?limit=3"))
    expect_ok(s.request("GET", EXECS + "?limit=10&filters=eq(execution_name,st-1)"))
    expect_error(s.request("GET", EXECS + "?limit=0"), 400, 3)
    expect_ok(s.request("DELETE", EXECS + "/st-1", {"cause": "x"}))
    expect_ok(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1"))
    expect_ok(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf?limit=1"))
    expect_ok(s.request("GET", "/api/v1/active_launch_plans/flytesnacks/development/data_sync_wf"))
    stats = expect_ok(s.request("GET", "/stub/stats"))
    first, last = stats["creates"].pop("first_at"), stats["creates"].pop("last_at")
    assert RFC3339_MS.match(first) and RFC3339_MS.match(last) and first <= last, stats
    assert stats["creates"] == {"requests": 5, "accepted": 4}, stats
    assert (stats["execution_gets"], stats["list_executions"], stats["deletes"],
            stats["launch_plan_gets"], stats["executions"]) == (
        2, {"requests": 3, "returned": 4}, 1, 3, 4), stats
    late = stats["lateness_ms"]
    slack = (t1 - t0) * 1000 + 5
    assert late["count"] == 3, late
    assert 2000 <= late["min"] <= late["p50"] <= 2000 + slack, late
    assert 4000 <= late["p99"] == late["max"] <= 4000 + slack, late
    assert RFC3339_MS.match(stats["now"]), stats
    # The control endpoints are not counted; a reset clears the counters too.
    expect_ok(s.request("POST", "/stub/reset"))
    stats = expect_ok(s.request("GET", "/stub/stats"))
    assert stats["creates"]["accepted"] == 0 and stats["lateness_ms"]["count"] == 0, stats
    assert stats["executions"] == 0 and stats["execution_gets"] == 0, stats


def check_no_records():
    s = Stub("--no-records")
    try:
        expect_ok(s.request("POST", "/api/v1/executions", create_body("nr-1")))
        expect_ok(s.request("GET", EXECS + "/nr-1"))
        assert expect_error(s.request("GET", "/stub/requests"), 404, 5,
                            "stub: started with --no-records") is None
        # --record still writes every accepted request.
        lines = [json.loads(line) for line in open(s.record)]
        assert [(r["method"], r["path"]) for r in lines] == [
            ("POST", "/api/v1/executions"), ("GET", EXECS + "/nr-1")], lines
        assert lines[0]["body"] == create_body("nr-1"), lines[0]
        assert expect_ok(s.request("GET", "/stub/stats"))["creates"]["accepted"] == 1
    finally:
        s.stop()


def check_phase_spread():
    # RUNNING after 0.3 s; the end spread over [0.6, 1.6) s by a hash of the name.
    s = Stub("--phase-after", "0.3", "--phase-spread", "1")
    try:
        names = ["sp-%d" % i for i in range(12)]
        for n in names:
            expect_ok(s.request("POST", "/api/v1/executions", create_body(n)))
        ends = {}
        deadline = time.monotonic() + 5
        while len(ends) < len(names) and time.monotonic() < deadline:
            for n in names:
                if n in ends:
                    continue
                cl = expect_ok(s.request("GET", EXECS + "/" + n))["closure"]
                if cl["phase"] == "SUCCEEDED":
                    ends[n] = cl
            time.sleep(0.05)
        assert len(ends) == len(names), ends

        def secs(ts):
            return time.mktime(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + ts[19:-1])

        took = sorted(secs(c["updated_at"]) - secs(c["created_at"]) for c in ends.values())
        assert 0.6 <= took[0] and took[-1] < 1.6 + 0.01, took
        assert took[-1] - took[0] > 0.3, took   # spread, not all at once
        for c in ends.values():
            assert abs(secs(c["started_at"]) - secs(c["created_at"]) - 0.3) < 0.01, c
        # The same names end the same way in another run: the spread comes from the name.
        spread = {n: secs(c["updated_at"]) - secs(c["created_at"]) for n, c in ends.items()}
    finally:
        s.stop()
    s = Stub("--phase-after", "0.3", "--phase-spread", "1")
    try:
        expect_ok(s.request("POST", "/api/v1/executions", create_body("sp-0")))
        cl = expect_ok(s.request("GET", EXECS + "/sp-0"))["closure"]
        assert cl["phase"] == "QUEUED", cl
        time.sleep(spread["sp-0"] + 0.05)
        cl = expect_ok(s.request("GET", EXECS + "/sp-0"))["closure"]
        assert cl["phase"] == "SUCCEEDED", cl
    finally:
        s.stop()


def check_fail_rate():
    s = Stub("--fail-rate", "1")
    try:
        expect_error(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1"),
                     503, 14, "injected")
        expect_ok(s.request("GET", "/stub/requests"))
    finally:
        s.stop()

    def run():
        st = Stub("--fail-rate", "0.5", "--fail-seed", "7")
        try:
            return [st.request("GET", "/api/v1/launch_plans/flytesnacks/development/"
                               "data_sync_wf/v1")[0] for _ in range(40)]
        finally:
            st.stop()

    a, b = run(), run()
    assert a == b, "the same --fail-seed gives the same faults"
    assert 5 < a.count(503) < 35 and set(a) == {200, 503}, a


def check_latency():
    s = Stub("--latency-ms", "300")
    try:
        t = time.monotonic()
        expect_ok(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1"))
        assert time.monotonic() - t >= 0.29
        # A client that gives up mid-wait must not upset the stub.
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=0.05)
        conn.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1")
        try:
            conn.getresponse()
        except OSError:
            pass
        conn.close()
        time.sleep(0.4)
        expect_ok(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v2"))
        # A request still waiting when SIGTERM comes is dropped cleanly.
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
        conn.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1")
        time.sleep(0.1)
    finally:
        s.stop()


def check_outage():
    s = Stub("--outage", "0:1.5")
    try:
        expect_error(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1"),
                     503, 14, "outage")
        expect_error(s.request("POST", "/api/v1/executions", create_body("out-1")), 503, 14)
        time.sleep(max(0.0, 1.6 - (time.monotonic() - s.started)))
        expect_ok(s.request("POST", "/api/v1/executions", create_body("out-1")))
        recs = expect_ok(s.request("GET", "/stub/requests"))
        assert len(recs) == 1, recs
    finally:
        s.stop()
    s = Stub("--outage", "0:1.5", "--close-during-outage")
    try:
        try:
            s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1")
            raise AssertionError("want the connection closed without a reply")
        except (http.client.RemoteDisconnected, ConnectionResetError):
            pass
        time.sleep(max(0.0, 1.6 - (time.monotonic() - s.started)))
        expect_ok(s.request("GET", "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1"))
        log = [json.loads(line) for line in open(s.log)]
        assert log[0]["status"] is None and "closed" in log[0]["note"], log
    finally:
        s.stop()


def check_lost_reply():
    s = Stub("--lost-reply-rate", "1")
    try:
        expect_error(s.request("POST", "/api/v1/executions", create_body("lost-1")), 503, 14, "lost")
        expect_ok(s.request("GET", "/api/v1/executions/flytesnacks/development/lost-1"))
        expect_error(s.request("POST", "/api/v1/executions", create_body("lost-1")), 409, 6)
        recs = expect_ok(s.request("GET", "/stub/requests?method=POST"))
        assert len(recs) == 1 and recs[0]["status"] == 503, recs
    finally:
        s.stop()


def auth_stub(*flags):
    """A stub with --auth for client schedd, secret s3cret (from a file); (stub, the file's folder)."""
    secret_dir = tempfile.mkdtemp()
    secret_file = os.path.join(secret_dir, "secret")
    with open(secret_file, "w") as f:
        f.write("s3cret\n")
    return Stub("--auth", "--client-id", "schedd", "--client-secret-file", secret_file,
                *flags), secret_dir


def check_auth():
    s, secret_dir = auth_stub("--token-ttl", "1")
    lp = "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1"
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}

    def token(**fields):
        st, _, body = s.request("POST", "/oauth2/token", headers=form,
                                raw=urllib.parse.urlencode(fields))
        return st, body

    try:
        meta = expect_ok(s.request("GET", "/.well-known/oauth-authorization-server"))
        assert meta["token_endpoint"] == f"http://127.0.0.1:{s.port}/oauth2/token", meta
        assert meta["issuer"] == f"http://127.0.0.1:{s.port}"
        assert "client_credentials" in meta["grant_types_supported"]
        cfg = expect_ok(s.request("GET", "/config/v1/flyte_client"))
        assert cfg["authorization_metadata_key"] == "flyte-authorization" and cfg["scopes"] == ["all"]
        st, hdrs, body = s.request("GET", lp)
        expect_error((st, hdrs, body), 401, 16, "unauthenticated")
        assert "www-authenticate" in hdrs, hdrs
        expect_error(s.request("GET", lp, headers={"Authorization": "Bearer forged"}), 401, 16)
        expect_error(s.request("GET", lp, headers={"Authorization": "Basic eDp5"}), 401, 16)
        st, body = token(grant_type="client_credentials", client_id="schedd", client_secret="nope")
        assert st == 401 and body["error"] == "invalid_client", body
        st, body = token(grant_type="password", client_id="schedd", client_secret="s3cret")
        assert st == 400 and body["error"] == "unsupported_grant_type", body
        st, _, body = s.request("POST", "/oauth2/token", {"grant_type": "client_credentials"})
        assert st == 400 and body["error"] == "invalid_request", body
        st, body = token(grant_type="client_credentials", client_id="schedd",
                         client_secret="s3cret", scope="all")
        assert st == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 1, body
        tok = body["access_token"]
        expect_ok(s.request("GET", lp, headers={"Authorization": "Bearer " + tok,
                                                "Accept": "application/json"}))
        expect_ok(s.request("GET", lp, headers={"flyte-authorization": "Bearer " + tok,
                                                "Accept": "application/json"}))
        hdrs = dict(JSON_HEADERS, Authorization="Bearer " + tok)
        expect_ok(s.request("POST", "/api/v1/executions", create_body("auth-1"), headers=hdrs))
        ex = expect_ok(s.request("GET", "/api/v1/executions/flytesnacks/development/auth-1",
                                 headers=hdrs))
        assert ex["spec"]["metadata"]["principal"] == "schedd", ex["spec"]["metadata"]
        time.sleep(1.1)
        expect_error(s.request("GET", lp, headers=hdrs), 401, 16, "expired")
        # HTTP Basic client authentication (what Go's x/oauth2 tries first).
        basic = base64.b64encode(b"schedd:s3cret").decode()
        st, _, body = s.request("POST", "/oauth2/token",
                                headers=dict(form, Authorization="Basic " + basic),
                                raw="grant_type=client_credentials")
        assert st == 200, body
        hdrs = dict(JSON_HEADERS, Authorization="Bearer " + body["access_token"])
        expect_ok(s.request("GET", lp, headers=hdrs))
        expect_ok(s.request("POST", "/stub/revoke-tokens"))
        expect_error(s.request("GET", lp, headers=hdrs), 401, 16, "not valid")
        recs = expect_ok(s.request("GET", "/stub/requests?path=/oauth2/token"))
        assert len(recs) == 2 and all("client_secret" not in r["body"] for r in recs), recs
        assert "s3cret" not in open(s.record).read()
        assert recs[0]["body"]["client_auth"] == "form" and recs[1]["body"]["client_auth"] == "basic"
    finally:
        s.stop(signal.SIGINT)
        shutil.rmtree(secret_dir, ignore_errors=True)


def check_hostile(s):
    """Each --hostile-create mode answers 200 with something that is not Admin's
    answer; html and error-object create nothing and are not recorded, empty
    and invalid-json create (and record) the execution. Set by flag or by
    POST /stub/hostile; {} turns every mode off."""
    execs = "/api/v1/executions"
    for mode, created in [("html", False), ("error-object", False), ("empty", True),
                          ("invalid-json", True)]:
        expect_ok(s.request("POST", "/stub/hostile", {"create": mode}))
        name = "hostile-" + mode
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        conn.request("POST", execs, body=json.dumps(create_body(name)), headers=JSON_HEADERS)
        resp = conn.getresponse()
        text = resp.read().decode()
        ctype = resp.getheader("Content-Type")
        conn.close()
        assert resp.status == 200, (mode, resp.status, text)
        if mode == "html":
            assert ctype.startswith("text/html") and "<html>" in text, (ctype, text)
        elif mode == "error-object":
            assert json.loads(text)["code"] == 3, text
        elif mode == "empty":
            assert text == "", text
        else:
            try:
                json.loads(text)
                raise AssertionError("invalid-json answered valid JSON: %r" % text)
            except ValueError:
                pass
            assert text and '"id"' in text, text
        st, _, _ = s.request("GET", EXECS + "/" + name)
        assert st == (200 if created else 404), (mode, st)
        recs = expect_ok(s.request("GET", "/stub/requests?method=POST&path=" + execs))
        assert (name in [r["body"]["name"] for r in recs]) == created, (mode, recs)
    expect_ok(s.request("POST", "/stub/hostile", {}))
    expect_ok(s.request("POST", execs, create_body("hostile-off")))
    expect_error(s.request("POST", "/stub/hostile", {"create": "teapot"}), 400, 3, "create")
    stats = expect_ok(s.request("GET", "/stub/stats"))
    assert (stats["hostile_answers"], stats["executions"]) == (4, 3), stats
    # An execution deleted behind the client's back: gone from GET and from lists.
    expect_ok(s.request("POST", "/stub/executions/flytesnacks/development/hostile-empty/forget"))
    expect_error(s.request("GET", EXECS + "/hostile-empty"), 404, 5)
    names = [e["id"]["name"] for e in expect_ok(s.request("GET", EXECS + "?limit=10"))["executions"]]
    assert names == ["hostile-invalid-json", "hostile-off"], names
    expect_error(s.request("POST", "/stub/executions/flytesnacks/development/hostile-empty/forget"),
                 404, 5)
    expect_ok(s.request("POST", execs, create_body("hostile-empty")))


def check_hostile_token():
    """--hostile-token crlf: a live token with a header smuggled after it; any
    request that carries X-Injected is counted."""
    s, secret_dir = auth_stub("--hostile-token", "crlf")
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    try:
        st, _, body = s.request("POST", "/oauth2/token", headers=form, raw=urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": "schedd", "client_secret": "s3cret"}))
        assert st == 200 and body["access_token"].endswith("\r\nX-Injected: yes"), body
        live = body["access_token"].split("\r\n")[0]
        lp = "/api/v1/launch_plans/flytesnacks/development/data_sync_wf/v1"
        expect_ok(s.request("GET", lp, headers={"Authorization": "Bearer " + live,
                                                "X-Injected": "yes"}))
        assert expect_ok(s.request("GET", "/stub/stats"))["injected_headers"] == 1
        expect_ok(s.request("POST", "/stub/hostile", {"token": "none"}))
        st, _, body = s.request("POST", "/oauth2/token", headers=form, raw=urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": "schedd", "client_secret": "s3cret"}))
        assert st == 200 and "\r" not in body["access_token"], body
    finally:
        s.stop()
        shutil.rmtree(secret_dir, ignore_errors=True)


def check_bad_startup():
    d = tempfile.mkdtemp()
    try:
        bad = os.path.join(d, "bad.json")
        cases = [
            [{"project": "p", "domain": "d", "name": "n", "version": "v",
              "created_at": "2026-01-01T00:00:00Z", "colour": "red"}],
            [{"project": "p", "domain": "d", "name": "n", "version": "v",
              "created_at": "2026-01-01T00:00:00Z",
              "expected_inputs": {"parameters": {"x": {"var": {"type": {"simple": "TEXT"}}}}}}],
            [{"project": "p", "domain": "d", "name": "n", "version": "v"}],
        ]
        for case in cases:
            with open(bad, "w") as f:
                json.dump(case, f)
            p = subprocess.run([BIN, "--port", "0", "--catalog", bad],
                               capture_output=True, text=True, timeout=10)
            assert p.returncode != 0 and "entry 0" in p.stderr, p.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    failures = 0
    tmp = tempfile.mkdtemp()
    typed = os.path.join(tmp, "typed.json")
    typed_catalog(typed)

    def with_stub(fn, *args, **kw):
        def run():
            s = Stub(*args, **kw)
            try:
                fn(s)
            finally:
                s.stop()
        run.__name__ = fn.__name__
        return run

    checks = [
        with_stub(check_launch_plans),
        with_stub(check_create_get),
        with_stub(check_rejections, catalog=typed),
        with_stub(check_typed_inputs, catalog=typed),
        with_stub(check_phases_and_terminate, "--phase-after", "0.4", catalog=typed),
        with_stub(check_records_and_control),
        with_stub(check_list_executions),
        with_stub(check_stats),
        with_stub(check_hostile),
        check_hostile_token,
        check_no_records,
        check_phase_spread,
        check_fail_rate,
        check_latency,
        check_outage,
        check_lost_reply,
        check_auth,
        check_bad_startup,
    ]
    for check in checks:
        t = time.monotonic()
        try:
            check()
            print(f"ok   {check.__name__} ({time.monotonic() - t:.2f}s)")
        except Exception as e:  # report every check, not just the first failure
            failures += 1
            print(f"FAIL {check.__name__}: {type(e).__name__}: {e}")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(checks) - failures}/{len(checks)} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
