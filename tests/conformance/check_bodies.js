#!/usr/bin/env node
/*
 * check_bodies.js: are the ExecutionCreateRequest bodies sent to (the stub)
 * Flyte Admin valid protojson, judged against the real .proto files of the
 * npm package @flyteorg/flyteidl?
 *
 * usage: node check_bodies.js [--modules DIR] [--type NAME] [--expect-invalid] PATH...
 *
 * Each PATH is
 *   - a JSONL record file of stub_admin --record: every line with
 *     "method":"POST" and "path":"/api/v1/executions" has its "body" checked
 *     as an ExecutionCreateRequest, and every DELETE of
 *     /api/v1/executions/P/D/N with a body as an ExecutionTerminateRequest;
 *   - any other file: the whole file is one body, of --type (default
 *     flyteidl.admin.ExecutionCreateRequest);
 *   - a directory: searched (recursively) for *.jsonl record files.
 *
 * The rules are those of Go's protojson (google.golang.org/protobuf/encoding/
 * protojson), which Flyte Admin's grpc-gateway uses to read application/json:
 * every key a field of the message, by proto name or by JSON name (lowerCamelCase
 * or json_name), each field at most once; null is "unset" except for
 * google.protobuf.Value and NullValue; scalars of the right JSON type (int64 and
 * the other integers as a number or a string holding one, in range and
 * integral; float and double as a number, a numeric string, "NaN", "Infinity"
 * or "-Infinity"; bool only true or false; bytes as base64); enums by known
 * name or as an int32 number; repeated fields as arrays and maps as objects
 * without null elements; at most one member of a oneof; Timestamp as an
 * RFC 3339 string, Duration as "[-]S[.fffffffff]s", Struct/Value/ListValue
 * as JSON, the wrappers as their scalar. The walk is over protobufjs's
 * reflection (Type.fields, Field.resolvedType, Enum.values, oneofs); JSON is
 * parsed here too, so duplicate keys and the text of numbers are seen.
 *
 * As a second opinion each body also goes through protobufjs's own strict
 * ProtoJSON reader (protobufjs/ext/protojson, ignoreUnknownFields false);
 * a body it refuses is invalid too, and disagreements are said.
 *
 * Output: one line per invalid body, "FILE:LINE: JSON.PATH: what is wrong",
 * then "conformance: N bodies checked, M invalid". Exit 1 if M > 0 or N == 0
 * (with --expect-invalid: if any body is valid, or N == 0), 2 on usage or
 * setup errors.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

/*
 * The record lines whose body is checked, and as what message: grpc-gateway's
 * routes of Admin (body "*"). A DELETE without a body (null) is not checked.
 */
const ROUTES = [
	{ method: 'POST', path: /^\/api\/v1\/executions$/, type: 'flyteidl.admin.ExecutionCreateRequest' },
	{ method: 'DELETE', path: /^\/api\/v1\/executions\/[^/]+\/[^/]+\/[^/]+$/,
		type: 'flyteidl.admin.ExecutionTerminateRequest', bodyOptional: true },
];
const MAX_PROBLEMS_SHOWN = 3;

/* --- arguments and modules -------------------------------------------------- */

function usage(msg) {
	if (msg)
		process.stderr.write('check_bodies: ' + msg + '\n');
	process.stderr.write('usage: node check_bodies.js [--modules DIR] [--type NAME] ' +
	    '[--expect-invalid] PATH...\n');
	process.exit(2);
}

function parseArgs(argv) {
	const o = { modules: path.join(__dirname, '.node'), type: 'flyteidl.admin.ExecutionCreateRequest',
		expectInvalid: false, paths: [] };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--modules' || a === '--type') {
			if (i + 1 >= argv.length)
				usage(a + ' needs a value');
			o[a.slice(2)] = argv[++i];
		} else if (a === '--expect-invalid')
			o.expectInvalid = true;
		else if (a === '-h' || a === '--help')
			usage();
		else if (a.startsWith('--'))
			usage('unknown option ' + a);
		else
			o.paths.push(a);
	}
	if (o.paths.length === 0)
		usage('no PATH given');
	return o;
}

/* protobufjs and the flyteidl protos, from the npm prefix DIR (DIR/node_modules). */
function loadModules(prefix) {
	const req = createRequire(path.join(path.resolve(prefix), 'package.json'));
	let protobuf, protojson, idlDir;
	try {
		protobuf = req('protobufjs');
		idlDir = path.dirname(req.resolve('@flyteorg/flyteidl/package.json'));
	} catch (e) {
		process.stderr.write('check_bodies: cannot load protobufjs and @flyteorg/flyteidl ' +
		    'from ' + prefix + ' (run tests/conformance/run.sh, which installs them): ' +
		    e.message + '\n');
		process.exit(2);
	}
	try {
		protojson = req('protobufjs/ext/protojson');
	} catch (e) {
		protojson = null;	/* protobufjs before 8: no second opinion */
	}
	const versions = {
		protobufjs: req('protobufjs/package.json').version,
		flyteidl: JSON.parse(fs.readFileSync(path.join(idlDir, 'package.json'), 'utf8')).version,
	};
	return { protobuf, protojson, protosDir: path.join(idlDir, 'protos'), versions,
		protobufDir: path.dirname(req.resolve('protobufjs/package.json')) };
}

/*
 * The messages of flyteidl/admin/*.proto (and of the package of --type), with
 * the closure of their imports. google/protobuf/*.proto
 * that protobufjs bundles (timestamp, duration, struct, wrappers, any, empty,
 * field_mask) come from it; anything else from flyteidl's protos/ or
 * protobufjs's own google/ directory, else loading fails naming the file.
 */
function loadRoot(m, typeNames) {
	const root = new m.protobuf.Root();
	const includes = [m.protosDir, m.protobufDir];
	root.resolvePath = (origin, target) => {
		if (path.isAbsolute(target) && fs.existsSync(target))
			return target;
		for (const dir of includes) {
			const p = path.join(dir, target);
			if (fs.existsSync(p))
				return p;
		}
		throw new Error('import "' + target + '" (from ' + (origin || 'the command line') +
		    ') is in none of ' + includes.join(', '));
	};
	/* flyteidl.admin.ExecutionCreateRequest is in one of flyteidl/admin/*.proto */
	const dirs = new Set(typeNames.map((t) => t.split('.').slice(0, -1).join('/')));
	const files = [];
	for (const dir of dirs)
		for (const f of fs.readdirSync(path.join(m.protosDir, dir)).sort())
			if (f.endsWith('.proto'))
				files.push(path.join(dir, f));
	root.loadSync(files, { keepCase: true });
	root.resolveAll();
	return root;
}

/* --- JSON, keeping what JSON.parse loses -------------------------------------- */

/*
 * RFC 8259 JSON to a tree of { t, ... , start, end }: objects keep their
 * members in order with duplicates (t 'object', members [[key, node]]),
 * numbers keep their text (t 'number', raw). Unpaired surrogate escapes are
 * refused, as Go's JSON reader does.
 */
class JsonError extends Error {}

function parseJson(text) {
	let i = 0;
	const n = text.length;
	const fail = (msg) => { throw new JsonError(msg + ' at offset ' + i); };
	const ws = () => {
		while (i < n) {
			const c = text.charCodeAt(i);
			if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)
				i++;
			else
				break;
		}
	};
	const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
	const hex4 = () => {
		const h = text.slice(i, i + 4);
		if (!/^[0-9a-fA-F]{4}$/.test(h))
			fail('bad \\u escape');
		i += 4;
		return parseInt(h, 16);
	};
	const string = () => {
		let out = '';
		i++;	/* the quote */
		for (;;) {
			if (i >= n)
				fail('unterminated string');
			const c = text.charCodeAt(i);
			if (c === 0x22) {
				i++;
				return out;
			}
			if (c < 0x20)
				fail('control character in string');
			if (c !== 0x5c) {
				let j = i + 1;
				while (j < n) {
					const d = text.charCodeAt(j);
					if (d === 0x22 || d === 0x5c || d < 0x20)
						break;
					j++;
				}
				out += text.slice(i, j);
				i = j;
				continue;
			}
			i++;
			const e = text[i++];
			const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
			if (e in simple) {
				out += simple[e];
				continue;
			}
			if (e !== 'u')
				fail('bad escape \\' + e);
			const u = hex4();
			if (u >= 0xdc00 && u <= 0xdfff)
				fail('unpaired surrogate escape');
			if (u >= 0xd800 && u <= 0xdbff) {
				if (text[i] !== '\\' || text[i + 1] !== 'u')
					fail('unpaired surrogate escape');
				i += 2;
				const lo = hex4();
				if (lo < 0xdc00 || lo > 0xdfff)
					fail('unpaired surrogate escape');
				out += String.fromCharCode(u, lo);
			} else
				out += String.fromCharCode(u);
		}
	};
	const value = () => {
		ws();
		const start = i;
		let node;
		const c = text[i];
		if (c === '{') {
			const members = [];
			i++;
			ws();
			if (text[i] === '}')
				i++;
			else
				for (;;) {
					ws();
					if (text[i] !== '"')
						fail('expected a string key');
					const k = string();
					ws();
					if (text[i] !== ':')
						fail("expected ':'");
					i++;
					members.push([k, value()]);
					ws();
					if (text[i] === ',') {
						i++;
						continue;
					}
					if (text[i] === '}') {
						i++;
						break;
					}
					fail("expected ',' or '}'");
				}
			node = { t: 'object', members };
		} else if (c === '[') {
			const items = [];
			i++;
			ws();
			if (text[i] === ']')
				i++;
			else
				for (;;) {
					items.push(value());
					ws();
					if (text[i] === ',') {
						i++;
						continue;
					}
					if (text[i] === ']') {
						i++;
						break;
					}
					fail("expected ',' or ']'");
				}
			node = { t: 'array', items };
		} else if (c === '"') {
			node = { t: 'string', v: string() };
		} else if (c === '-' || (c >= '0' && c <= '9')) {
			NUMBER.lastIndex = i;
			const m = NUMBER.exec(text);
			if (!m)
				fail('bad number');
			i += m[0].length;
			node = { t: 'number', raw: m[0] };
		} else if (text.startsWith('true', i)) {
			i += 4;
			node = { t: 'bool', v: true };
		} else if (text.startsWith('false', i)) {
			i += 5;
			node = { t: 'bool', v: false };
		} else if (text.startsWith('null', i)) {
			i += 4;
			node = { t: 'null' };
		} else
			fail(i >= n ? 'unexpected end' : 'unexpected character ' + JSON.stringify(c));
		node.start = start;
		node.end = i;
		return node;
	};
	const v = value();
	ws();
	if (i !== n)
		fail('trailing characters');
	return v;
}

function member(node, key) {
	if (node.t !== 'object')
		return undefined;
	for (const [k, v] of node.members)
		if (k === key)
			return v;
	return undefined;
}

/* A value as a message shows it: short, one line. */
function shown(node) {
	switch (node.t) {
	case 'object': return 'an object';
	case 'array': return 'an array';
	case 'null': return 'null';
	case 'bool': return String(node.v);
	case 'number': return node.raw;
	default: {
		const s = JSON.stringify(node.v);
		return s.length > 60 ? s.slice(0, 56) + '..."' : s;
	}
	}
}

function childPath(p, key) {
	return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? p + '.' + key : p + '[' + JSON.stringify(key) + ']';
}

/* --- the rules of protojson ----------------------------------------------------- */

const INT_RANGE = {
	int32: [-(2n ** 31n), 2n ** 31n - 1n], sint32: [-(2n ** 31n), 2n ** 31n - 1n],
	sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
	uint32: [0n, 2n ** 32n - 1n], fixed32: [0n, 2n ** 32n - 1n],
	int64: [-(2n ** 63n), 2n ** 63n - 1n], sint64: [-(2n ** 63n), 2n ** 63n - 1n],
	sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
	uint64: [0n, 2n ** 64n - 1n], fixed64: [0n, 2n ** 64n - 1n],
};
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const MAX_FLOAT32 = 3.4028234663852886e38;

/*
 * The exact integer a JSON number's text stands for (1e3 and 1.0 are
 * integers, as Go's json token reads them), or null when it is not one.
 */
function integerOf(raw) {
	const m = /^(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/.exec(raw);
	if (!m)
		return null;
	let digits = m[2] + (m[3] || '');
	let exp = Number(m[4] || 0) - (m[3] || '').length;
	digits = digits.replace(/^0+(?=[0-9])/, '');
	if (/^0+$/.test(digits))
		return 0n;
	if (exp < 0) {
		const cut = digits.length + exp;
		if (cut < 0 || /[1-9]/.test(digits.slice(Math.max(cut, 0))))
			return null;
		digits = digits.slice(0, cut) || '0';
		exp = 0;
	}
	/* past any 64-bit integer (Go gives up there too): out of every range */
	const v = digits.length + exp > 21 ? 10n ** 22n : BigInt(digits) * 10n ** BigInt(exp);
	return m[1] === '-' ? -v : v;
}

/* Go's protojson reads a number given as a string only if nothing surrounds it. */
function numberText(node) {
	if (node.t === 'number')
		return node.raw;
	if (node.t === 'string' && node.v === node.v.trim() && JSON_NUMBER.test(node.v))
		return node.v;
	return null;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(month, year) {
	if (month === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)))
		return 29;
	return DAYS[month - 1];
}

function daysFromCivil(y, m, d) {	/* H. Hinnant's days_from_civil */
	y -= m <= 2 ? 1 : 0;
	const era = Math.floor(y / 400);
	const yoe = y - era * 400;
	const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
	const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Timestamp: Go's time.Parse(time.RFC3339Nano) then protojson's checks:
 * YYYY-MM-DDTHH:MM:SS[.f...](Z|+HH:MM|-HH:MM), a real date, at most 9
 * fractional digits, between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
 */
function timestampProblem(s) {
	const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(Z|([+-])([0-9]{2}):([0-9]{2}))$/.exec(s);
	if (!m)
		return 'not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM))';
	const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
	if (mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || se > 59)
		return 'not a valid date and time';
	if (m[7] && m[7].length - 1 > 9)
		return 'more than 9 fractional digits';
	let offset = 0;
	if (m[8] !== 'Z') {
		const oh = Number(m[10]), om = Number(m[11]);
		if (oh > 23 || om > 59)
			return 'zone offset out of range';
		offset = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
	}
	const secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
	if (secs < -62135596800 || secs > 253402300799)
		return 'outside 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z';
	return null;
}

/* Duration: protojson's parseDuration, "[+-]?(0|[1-9][0-9]*)?(\.[0-9]{0,9})?s", |s| <= 10000 years. */
function durationProblem(s) {
	const m = /^[+-]?(0|[1-9][0-9]*)?(\.[0-9]{0,9})?s$/.exec(s);
	if (!m || s.length < 2 || /^[+-]s$/.test(s))
		return 'not a protojson Duration ("[-]SECONDS[.FRACTION]s", at most 9 fractional digits)';
	if (m[1] && BigInt(m[1]) > 315576000000n)
		return 'outside +-315576000000s';
	return null;
}

/* bytes: standard or URL-safe base64, padded or not, as Go's protojson decodes it. */
function bytesProblem(s) {
	const url = /[-_]/.test(s);
	const padded = s.length % 4 === 0;
	const t = s.replace(/[\r\n]/g, '');	/* Go's decoder skips newlines */
	const alpha = url ? 'A-Za-z0-9\\-_' : 'A-Za-z0-9+/';
	const re = padded ? new RegExp('^[' + alpha + ']*={0,2}$') : new RegExp('^[' + alpha + ']*$');
	if (!re.test(t))
		return 'not base64';
	if (padded ? t.length % 4 !== 0 : t.length % 4 === 1)
		return 'not base64 (bad length or padding)';
	return null;
}

/* Go's strs.JSONCamelCase: drop each '_', upper-casing a lower-case letter after it. */
function jsonCamelCase(name) {
	let out = '', under = false;
	for (const c of name) {
		if (c !== '_')
			out += under && c >= 'a' && c <= 'z' ? c.toUpperCase() : c;
		under = c === '_';
	}
	return out;
}

class Checker {
	constructor(protobuf) {
		this.protobuf = protobuf;
		this.indexes = new Map();
		this.problems = null;
	}

	problem(p, msg) {
		this.problems.push({ path: p, msg });
	}

	/* key -> field: the JSON name (json_name, else lowerCamelCase) and the proto name. */
	fieldIndex(type) {
		let idx = this.indexes.get(type);
		if (idx)
			return idx;
		idx = new Map();
		for (const f of type.fieldsArray) {
			f.resolve();
			const json = (f.options && f.options.json_name) || jsonCamelCase(f.name);
			idx.set(json, f);
			if (!idx.has(f.name))
				idx.set(f.name, f);
		}
		this.indexes.set(type, idx);
		return idx;
	}

	check(type, body) {
		this.problems = [];
		this.message(type, body, 'body');
		return this.problems;
	}

	isType(t, name) {
		return t && t.fullName === '.google.protobuf.' + name;
	}

	/* Fields of type Value or NullValue read null as a value; the others as unset. */
	nullIsValue(f) {
		return this.isType(f.resolvedType, 'Value') || this.isType(f.resolvedType, 'NullValue');
	}

	message(type, node, p) {
		const wkt = WKT[type.fullName];
		if (wkt)
			return wkt.call(this, type, node, p);
		if (node.t !== 'object')
			return this.problem(p, 'expected an object (' + type.fullName.slice(1) + '), got ' + shown(node));
		const idx = this.fieldIndex(type);
		const seen = new Map(), oneofs = new Map();
		for (const [key, v] of node.members) {
			const kp = childPath(p, key);
			const f = idx.get(key);
			if (!f) {
				this.problem(kp, 'unknown field "' + key + '" in ' + type.fullName.slice(1));
				continue;
			}
			if (seen.has(f.id)) {
				this.problem(kp, 'field ' + f.name + ' given twice (as "' + seen.get(f.id) +
				    '" and "' + key + '")');
				continue;
			}
			seen.set(f.id, key);
			if (v.t === 'null' && !this.nullIsValue(f))
				continue;	/* null: the field is unset */
			if (f.map)
				this.map(f, v, kp);
			else if (f.repeated)
				this.list(f, v, kp);
			else {
				if (f.partOf) {
					const other = oneofs.get(f.partOf.name);
					if (other !== undefined) {
						this.problem(kp, 'oneof ' + f.partOf.name + ' of ' + type.fullName.slice(1) +
						    ' is already set by "' + other + '"');
						continue;
					}
					oneofs.set(f.partOf.name, key);
				}
				this.singular(f, v, kp);
			}
		}
	}

	singular(f, v, p) {
		const rt = f.resolvedType;
		if (rt instanceof this.protobuf.Type)
			this.message(rt, v, p);
		else if (rt instanceof this.protobuf.Enum)
			this.enumValue(rt, v, p);
		else
			this.scalar(f.type, v, p);
	}

	list(f, v, p) {
		if (v.t !== 'array')
			return this.problem(p, 'expected an array (repeated ' + f.type + '), got ' + shown(v));
		v.items.forEach((item, i) => {
			const ip = p + '[' + i + ']';
			if (item.t === 'null' && !this.nullIsValue(f))
				this.problem(ip, 'null is not a valid element of repeated ' + f.type);
			else
				this.singular(f, item, ip);
		});
	}

	map(f, v, p) {
		if (v.t !== 'object')
			return this.problem(p, 'expected an object (map<' + f.keyType + ', ' + f.type + '>), got ' + shown(v));
		const keys = new Set();
		for (const [k, item] of v.members) {
			const kp = childPath(p, k);
			const key = this.mapKey(f.keyType, k);
			if (key === null) {
				this.problem(kp, 'map key ' + JSON.stringify(k) + ' is not a ' + f.keyType);
				continue;
			}
			if (keys.has(key)) {
				this.problem(kp, 'map key ' + JSON.stringify(k) + ' given twice');
				continue;
			}
			keys.add(key);
			if (item.t === 'null' && !this.nullIsValue(f))
				this.problem(kp, 'null is not a valid map value (' + f.type + ')');
			else
				this.singular(f, item, kp);
		}
	}

	/* A map key in canonical form, or null: Go parses with strconv (a sign and leading zeros allowed). */
	mapKey(keyType, k) {
		if (keyType === 'string')
			return 's' + k;
		if (keyType === 'bool')
			return k === 'true' || k === 'false' ? k : null;
		const unsigned = keyType.startsWith('u') || keyType.startsWith('fixed');
		if (!(unsigned ? /^\+?[0-9]+$/ : /^[+-]?[0-9]+$/).test(k))
			return null;
		const v = BigInt(k.replace(/^\+/, ''));
		const [lo, hi] = INT_RANGE[keyType];
		return v < lo || v > hi ? null : String(v);
	}

	enumValue(e, v, p) {
		if (v.t === 'string') {
			if (!Object.prototype.hasOwnProperty.call(e.values, v.v))
				this.problem(p, 'unknown enum value ' + shown(v) + ' for ' + e.fullName.slice(1) +
				    ' (known: ' + Object.keys(e.values).join(', ') + ')');
		} else if (v.t === 'number') {
			const n = integerOf(v.raw);
			if (n === null || n < INT_RANGE.int32[0] || n > INT_RANGE.int32[1])
				this.problem(p, 'enum number ' + v.raw + ' is not an int32');
		} else if (!(v.t === 'null' && this.isType(e, 'NullValue')))
			this.problem(p, 'expected an enum name or number (' + e.fullName.slice(1) + '), got ' + shown(v));
	}

	scalar(type, v, p) {
		const want = (what) => this.problem(p, 'expected ' + what + ', got ' + shown(v));
		switch (type) {
		case 'string':
			if (v.t !== 'string')
				want('a string');
			return;
		case 'bool':
			if (v.t !== 'bool')
				want('true or false (bool)');
			return;
		case 'bytes': {
			if (v.t !== 'string')
				return want('a base64 string (bytes)');
			const why = bytesProblem(v.v);
			if (why)
				this.problem(p, why + ': ' + shown(v));
			return;
		}
		case 'double':
		case 'float': {
			if (v.t === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(v.v))
				return;
			const raw = numberText(v);
			if (raw === null)
				return want('a number, a numeric string, "NaN", "Infinity" or "-Infinity" (' + type + ')');
			const d = Number(raw);
			if (!Number.isFinite(d) || (type === 'float' && Math.abs(d) > MAX_FLOAT32 &&
			    !Number.isFinite(Math.fround(d))))
				this.problem(p, raw + ' is out of range for ' + type);
			return;
		}
		default: {
			const range = INT_RANGE[type];
			if (!range)
				return this.problem(p, 'unsupported scalar type ' + type);
			const raw = numberText(v);
			if (raw === null)
				return want('an integer as a JSON number or string (' + type + ')');
			const n = integerOf(raw);
			if (n === null)
				return this.problem(p, raw + ' is not an integer');
			if (n < range[0] || n > range[1])
				this.problem(p, raw + ' is out of range for ' + type);
		}
		}
	}

	/* google.protobuf.Value: any JSON; numbers finite doubles, objects without duplicate keys. */
	anyJson(v, p) {
		switch (v.t) {
		case 'number':
			if (!Number.isFinite(Number(v.raw)))
				this.problem(p, v.raw + ' is out of range for a google.protobuf.Value number');
			return;
		case 'array':
			v.items.forEach((item, i) => this.anyJson(item, p + '[' + i + ']'));
			return;
		case 'object':
			this.struct(v, p);
			return;
		default:
			return;
		}
	}

	struct(v, p) {
		const keys = new Set();
		for (const [k, item] of v.members) {
			const kp = childPath(p, k);
			if (keys.has(k)) {
				this.problem(kp, 'key ' + JSON.stringify(k) + ' given twice in a google.protobuf.Struct');
				continue;
			}
			keys.add(k);
			this.anyJson(item, kp);
		}
	}
}

/* Well-known types with a JSON form of their own; `this` is the Checker. */
const WKT = {
	'.google.protobuf.Timestamp'(type, v, p) {
		if (v.t !== 'string')
			return this.problem(p, 'expected an RFC 3339 string (google.protobuf.Timestamp), got ' + shown(v));
		const why = timestampProblem(v.v);
		if (why)
			this.problem(p, 'google.protobuf.Timestamp ' + shown(v) + ': ' + why);
	},
	'.google.protobuf.Duration'(type, v, p) {
		if (v.t !== 'string')
			return this.problem(p, 'expected a string like "3600s" (google.protobuf.Duration), got ' + shown(v));
		const why = durationProblem(v.v);
		if (why)
			this.problem(p, 'google.protobuf.Duration ' + shown(v) + ': ' + why);
	},
	'.google.protobuf.Struct'(type, v, p) {
		if (v.t !== 'object')
			return this.problem(p, 'expected an object (google.protobuf.Struct), got ' + shown(v));
		this.struct(v, p);
	},
	'.google.protobuf.ListValue'(type, v, p) {
		if (v.t !== 'array')
			return this.problem(p, 'expected an array (google.protobuf.ListValue), got ' + shown(v));
		this.anyJson(v, p);
	},
	'.google.protobuf.Value'(type, v, p) {
		this.anyJson(v, p);
	},
	'.google.protobuf.FieldMask'(type, v, p) {
		if (v.t !== 'string')
			return this.problem(p, 'expected a string (google.protobuf.FieldMask), got ' + shown(v));
		for (const mp of v.v === '' ? [] : v.v.split(','))
			if (!/^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/.test(mp))
				this.problem(p, 'google.protobuf.FieldMask path ' + JSON.stringify(mp) + ' is not lowerCamelCase');
	},
	'.google.protobuf.Any'(type, v, p) {
		if (v.t !== 'object')
			return this.problem(p, 'expected an object (google.protobuf.Any), got ' + shown(v));
		if (v.members.length === 0)
			return;
		const url = member(v, '@type');
		if (!url || url.t !== 'string')
			return this.problem(p, 'google.protobuf.Any without a string "@type"');
		let inner;
		try {
			inner = type.root.lookupType(url.v.slice(url.v.lastIndexOf('/') + 1));
		} catch (e) {
			return this.problem(childPath(p, '@type'), 'unknown message type ' + shown(url));
		}
		const rest = { t: 'object', members: v.members.filter(([k]) => k !== '@type') };
		if (WKT[inner.fullName]) {
			const value = member(rest, 'value');
			if (!value || rest.members.length !== 1)
				return this.problem(p, 'google.protobuf.Any of ' + inner.fullName.slice(1) +
				    ' needs exactly "@type" and "value"');
			return this.message(inner, value, childPath(p, 'value'));
		}
		this.message(inner, rest, p);
	},
};
for (const name of ['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value',
	'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue']) {
	WKT['.google.protobuf.' + name] = function (type, v, p) {
		const f = type.fields.value;
		if (v.t === 'null')
			return this.problem(p, 'null is not a valid ' + name + ' here');
		this.scalar(f.type, v, p);
	};
}

/* --- inputs ----------------------------------------------------------------------- */

function findJsonl(dir, out) {
	for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name < b.name ? -1 : 1)) {
		const p = path.join(dir, ent.name);
		if (ent.isDirectory())
			findJsonl(p, out);
		else if (ent.isFile() && ent.name.endsWith('.jsonl'))
			out.push(p);
	}
	return out;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/* Bodies to check: { file, line, type, text, node } or { file, line, error }. */
function* bodies(file, bareType) {
	const buf = fs.readFileSync(file);
	if (!file.endsWith('.jsonl')) {
		let text;
		try {
			text = UTF8.decode(buf);
			yield { file, line: 1, type: bareType, text, node: parseJson(text) };
		} catch (e) {
			yield { file, line: 1, error: 'not JSON: ' + e.message };
		}
		return;
	}
	let start = 0, line = 0;
	while (start < buf.length) {
		let end = buf.indexOf(0x0a, start);
		if (end === -1)
			end = buf.length;
		line++;
		const raw = buf.subarray(start, end);
		start = end + 1;
		let text, rec;
		try {
			text = UTF8.decode(raw);
			if (text.trim() === '')
				continue;
			rec = parseJson(text);
		} catch (e) {
			yield { file, line, error: 'record line is not JSON: ' + e.message };
			continue;
		}
		const method = member(rec, 'method'), p = member(rec, 'path'), body = member(rec, 'body');
		const route = method && p && ROUTES.find((r) => r.method === method.v && r.path.test(p.v));
		if (!route || body === undefined || (route.bodyOptional && body.t === 'null'))
			continue;
		yield { file, line, type: route.type, text: text.slice(body.start, body.end), node: body };
	}
}

/* --- main ------------------------------------------------------------------------- */

function main() {
	const o = parseArgs(process.argv.slice(2));
	const m = loadModules(o.modules);
	const names = [o.type, ...ROUTES.map((r) => r.type)];
	const types = new Map();
	try {
		const root = loadRoot(m, names);
		for (const n of names)
			types.set(n, root.lookupType(n));
	} catch (e) {
		process.stderr.write('check_bodies: loading ' + names.join(', ') + ' from ' + m.protosDir +
		    ': ' + e.message + '\n');
		process.exit(2);
	}
	const checker = new Checker(m.protobuf);
	const files = [];
	for (const p of o.paths) {
		let st;
		try {
			st = fs.statSync(p);
		} catch (e) {
			usage('cannot read ' + p + ': ' + e.message);
		}
		if (st.isDirectory())
			findJsonl(p, files);
		else
			files.push(p);
	}
	let checked = 0, invalid = 0;
	const perType = new Map();
	for (const file of files)
		for (const b of bodies(file, o.type)) {
			const where = b.file + ':' + b.line + ': ';
			if (b.error) {
				/* an unreadable record line counts as an invalid body */
				process.stdout.write(where + b.error + '\n');
				checked++;
				invalid++;
				continue;
			}
			checked++;
			perType.set(b.type, (perType.get(b.type) || 0) + 1);
			const type = types.get(b.type);
			const problems = checker.check(type, b.node);
			let library = null;
			if (m.protojson)
				try {
					m.protojson.fromJsonString(type, b.text, { ignoreUnknownFields: false });
				} catch (e) {
					library = e.message;
				}
			if (problems.length === 0 && library === null) {
				if (o.expectInvalid)
					process.stdout.write(where + 'valid, expected invalid\n');
				continue;
			}
			invalid++;
			let line;
			if (problems.length === 0)
				line = 'body: protobufjs protojson refuses it: ' + library +
				    ' (this checker accepts it: the rules differ)';
			else {
				const shownProblems = problems.slice(0, MAX_PROBLEMS_SHOWN).map((x) => x.path + ': ' + x.msg);
				line = shownProblems.join('; ');
				if (problems.length > MAX_PROBLEMS_SHOWN)
					line += ' (and ' + (problems.length - MAX_PROBLEMS_SHOWN) + ' more)';
				if (m.protojson && library === null)
					line += ' (protobufjs protojson accepts it)';
			}
			process.stdout.write(where + line + '\n');
		}
	process.stdout.write('checked against @flyteorg/flyteidl ' + m.versions.flyteidl + ' with protobufjs ' +
	    m.versions.protobufjs + (m.protojson ? ' (and its ext/protojson)' : '') + ': ' +
	    ([...perType].map(([t, n]) => n + ' ' + t.split('.').pop()).join(', ') || 'nothing') + '\n');
	process.stdout.write('conformance: ' + checked + ' bodies checked, ' + invalid + ' invalid\n');
	if (checked === 0)
		process.exit(1);
	if (o.expectInvalid)
		process.exit(invalid === checked ? 0 : 1);
	process.exit(invalid > 0 ? 1 : 0);
}

main();
