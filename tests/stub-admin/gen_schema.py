#!/usr/bin/python3
# gen_schema.py: turn flyteidl's .proto files into the C descriptor tables the stub validates against.
"""Generate flyteidl_schema.inc from the .proto files of @flyteorg/flyteidl.

The stub checks request bodies field by field the way protojson does, so it
needs every message reachable from the bodies it accepts and the responses it
writes. Regenerate after a flyteidl upgrade:

    mkdir -p /tmp/flyteidl && cd /tmp/flyteidl && npm install @flyteorg/flyteidl
    /usr/bin/python3 gen_schema.py \
        /tmp/flyteidl/node_modules/@flyteorg/flyteidl > flyteidl_schema.inc
"""
import json
import os
import re
import sys

# Messages the stub reads or writes; everything they reach is emitted too.
ROOTS = [
    "flyteidl.admin.ExecutionCreateRequest",
    "flyteidl.admin.ExecutionCreateResponse",
    "flyteidl.admin.ExecutionTerminateRequest",
    "flyteidl.admin.ExecutionTerminateResponse",
    "flyteidl.admin.Execution",
    "flyteidl.admin.ExecutionList",
    "flyteidl.admin.LaunchPlan",
    "flyteidl.admin.LaunchPlanList",
    "flyteidl.admin.LaunchPlanUpdateRequest",
    "flyteidl.admin.LaunchPlanUpdateResponse",
    "flyteidl.service.OAuth2MetadataResponse",
    "flyteidl.service.PublicClientAuthConfigResponse",
]

SCALARS = {
    "bool": "PJ_BOOL", "string": "PJ_STRING", "bytes": "PJ_BYTES",
    "int32": "PJ_INT32", "sint32": "PJ_INT32", "sfixed32": "PJ_INT32",
    "uint32": "PJ_UINT32", "fixed32": "PJ_UINT32",
    "int64": "PJ_INT64", "sint64": "PJ_INT64", "sfixed64": "PJ_INT64",
    "uint64": "PJ_UINT64", "fixed64": "PJ_UINT64",
    "float": "PJ_FLOAT", "double": "PJ_DOUBLE",
}

# Well-known types have their own JSON forms in protojson.
WKT = {
    "google.protobuf.Timestamp": ("PJ_TIMESTAMP", 0),
    "google.protobuf.Duration": ("PJ_DURATION", 0),
    "google.protobuf.Struct": ("PJ_STRUCT", 0),
    "google.protobuf.Value": ("PJ_VALUE", 0),
    "google.protobuf.ListValue": ("PJ_LISTVALUE", 0),
    "google.protobuf.Any": ("PJ_ANY", 0),
    "google.protobuf.BoolValue": ("PJ_BOOL", 1),
    "google.protobuf.StringValue": ("PJ_STRING", 1),
    "google.protobuf.BytesValue": ("PJ_BYTES", 1),
    "google.protobuf.Int32Value": ("PJ_INT32", 1),
    "google.protobuf.UInt32Value": ("PJ_UINT32", 1),
    "google.protobuf.Int64Value": ("PJ_INT64", 1),
    "google.protobuf.UInt64Value": ("PJ_UINT64", 1),
    "google.protobuf.FloatValue": ("PJ_FLOAT", 1),
    "google.protobuf.DoubleValue": ("PJ_DOUBLE", 1),
}

TOKEN = re.compile(r'\s+|//[^\n]*|/\*.*?\*/|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|'
                   r'[A-Za-z_][A-Za-z0-9_.]*|\.[A-Za-z_][A-Za-z0-9_.]*|-?[0-9][A-Za-z0-9_.]*|.',
                   re.S)


def tokenize(text):
    return [t for t in TOKEN.findall(text)
            if not t.isspace() and not t.startswith("//") and not t.startswith("/*")]


def json_name(name):
    # protoc's ToJsonName: drop each underscore and upper-case the next letter.
    out, up = [], False
    for c in name:
        if c == "_":
            up = True
        elif up:
            out.append(c.upper())
            up = False
        else:
            out.append(c)
    return "".join(out)


class Parser:
    def __init__(self, toks, package, messages, enums):
        self.t, self.i = toks, 0
        self.package = package
        self.messages, self.enums = messages, enums

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def next(self):
        tok = self.t[self.i]
        self.i += 1
        return tok

    def expect(self, tok):
        got = self.next()
        if got != tok:
            raise SyntaxError(f"expected {tok!r}, got {got!r} at token {self.i}")

    def skip_statement(self):
        depth = 0
        while True:
            tok = self.next()
            if tok == "{":
                depth += 1
            elif tok == "}":
                depth -= 1
                if depth == 0:
                    return
            elif tok == ";" and depth == 0:
                return

    def skip_options(self):
        if self.peek() == "[":
            while self.next() != "]":
                pass

    def file(self):
        while self.peek() is not None:
            tok = self.peek()
            if tok == "message":
                self.message(self.package)
            elif tok == "enum":
                self.enum(self.package)
            else:
                self.skip_statement()

    def enum(self, scope):
        self.expect("enum")
        name = self.next()
        full = f"{scope}.{name}"
        values = []
        self.expect("{")
        while self.peek() != "}":
            tok = self.peek()
            if tok in ("option", "reserved"):
                self.skip_statement()
                continue
            vname = self.next()
            self.expect("=")
            num = int(self.next(), 0)
            self.skip_options()
            self.expect(";")
            values.append((vname, num))
        self.expect("}")
        self.enums[full] = values

    def field(self, scope, fields, oneof):
        label = "PJ_SINGULAR"
        if self.peek() == "repeated":
            self.next()
            label = "PJ_REPEATED"
        elif self.peek() == "optional":
            self.next()
        key = None
        if self.peek() == "map":
            self.next()
            self.expect("<")
            key = self.next()
            self.expect(",")
            ftype = self.next()
            self.expect(">")
            label = "PJ_MAP"
        else:
            ftype = self.next()
        name = self.next()
        self.expect("=")
        number = int(self.next(), 0)
        self.skip_options()
        self.expect(";")
        fields.append({"name": name, "type": ftype, "label": label, "key": key,
                       "number": number, "oneof": oneof, "scope": scope})

    def message(self, scope):
        self.expect("message")
        name = self.next()
        full = f"{scope}.{name}"
        msg = {"fields": [], "oneofs": []}
        self.messages[full] = msg
        self.expect("{")
        while self.peek() != "}":
            tok = self.peek()
            if tok == "message":
                self.message(full)
            elif tok == "enum":
                self.enum(full)
            elif tok in ("option", "reserved", "extensions", "extend"):
                self.skip_statement()
            elif tok == ";":
                self.next()
            elif tok == "oneof":
                self.next()
                oname = self.next()
                msg["oneofs"].append(oname)
                self.expect("{")
                while self.peek() != "}":
                    if self.peek() == "option":
                        self.skip_statement()
                    else:
                        self.field(full, msg["fields"], len(msg["oneofs"]) - 1)
                self.expect("}")
            else:
                self.field(full, msg["fields"], -1)
        self.expect("}")
        if self.peek() == ";":
            self.next()


def resolve(name, scope, known):
    # Proto scoping: try the name in the innermost scope first, then outwards.
    if name.startswith("."):
        return name[1:] if name[1:] in known else None
    parts = scope.split(".")
    while True:
        cand = ".".join(parts + [name]) if parts else name
        if cand in known:
            return cand
        if not parts:
            return None
        parts.pop()


def main():
    root = sys.argv[1]
    protos = os.path.join(root, "protos")
    messages, enums = {}, {}
    files = []
    for sub in ("admin", "core"):
        d = os.path.join(protos, "flyteidl", sub)
        files += [os.path.join(d, fn) for fn in sorted(os.listdir(d)) if fn.endswith(".proto")]
    files.append(os.path.join(protos, "flyteidl", "service", "auth.proto"))
    for path in files:
        text = open(path, encoding="utf-8").read()
        pkg = re.search(r"^package\s+([\w.]+)\s*;", text, re.M).group(1)
        Parser(tokenize(text), pkg, messages, enums).file()
    known = set(messages) | set(enums) | set(WKT)

    # Walk from the roots; give each message and enum an index.
    msg_order, enum_order = [], []
    todo = list(ROOTS)
    while todo:
        m = todo.pop(0)
        if m in msg_order:
            continue
        msg_order.append(m)
        for f in messages[m]["fields"]:
            if f["type"] in SCALARS:
                continue
            r = resolve(f["type"], f["scope"], known)
            if r is None:
                sys.exit(f"{m}.{f['name']}: cannot resolve {f['type']}")
            f["resolved"] = r
            if r in WKT:
                continue
            if r in enums:
                if r not in enum_order:
                    enum_order.append(r)
            elif r not in msg_order and r not in todo:
                todo.append(r)

    version = json.load(open(os.path.join(root, "package.json")))["version"]
    out = []
    w = out.append
    w(f"/* flyteidl_schema.inc: descriptors generated by gen_schema.py from @flyteorg/flyteidl {version}; do not edit. */")
    w(f"#define PJ_FLYTEIDL_VERSION \"{version}\"")
    w("")
    for i, e in enumerate(enum_order):
        vals = ", ".join(f'{{"{n}", {v}}}' for n, v in enums[e])
        w(f"static const struct pj_enum_value ev{i}[] = {{ {vals} }};")
    w("")
    for i, m in enumerate(msg_order):
        msg = messages[m]
        if msg["oneofs"]:
            names = ", ".join(f'"{o}"' for o in msg["oneofs"])
            w(f"static const char *const mo{i}[] = {{ {names} }};")
        if not msg["fields"]:
            continue
        w(f"static const struct pj_field mf{i}[] = {{")
        for f in msg["fields"]:
            kind, ref, wrapper = None, -1, 0
            if f["type"] in SCALARS:
                kind = SCALARS[f["type"]]
            else:
                r = f["resolved"]
                if r in WKT:
                    kind, wrapper = WKT[r]
                elif r in enums:
                    kind, ref = "PJ_ENUM", enum_order.index(r)
                else:
                    kind, ref = "PJ_MESSAGE", msg_order.index(r)
            if f["key"] not in (None, "string"):
                sys.exit(f"{m}.{f['name']}: only string map keys are supported")
            key = SCALARS[f["key"]] if f["key"] else "0"
            w(f'\t{{"{f["name"]}", "{json_name(f["name"])}", {kind}, {f["label"]}, {key}, '
              f'{ref}, {f["oneof"]}, {wrapper}}},')
        w("};")
    w("")
    w("static const struct pj_enum pj_enums[] = {")
    for i, e in enumerate(enum_order):
        w(f'\t{{"{e}", ev{i}, {len(enums[e])}}},')
    w("};")
    w("")
    w("static const struct pj_message pj_messages[] = {")
    for i, m in enumerate(msg_order):
        msg = messages[m]
        fields = f"mf{i}" if msg["fields"] else "NULL"
        oneofs = f"mo{i}" if msg["oneofs"] else "NULL"
        w(f'\t{{"{m}", {fields}, {len(msg["fields"])}, {oneofs}, {len(msg["oneofs"])}}},')
    w("};")
    print("\n".join(out))


if __name__ == "__main__":
    main()
