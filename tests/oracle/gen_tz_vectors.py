#!/usr/bin/python3
"""
gen_tz_vectors.py: write tests/tz_vectors.inc, the expected UTC offsets and
spans that tests/test_tz.c checks, computed with Python's zoneinfo (an
independent TZif reader) from the same /usr/share/zoneinfo.

    /usr/bin/python3 tests/oracle/gen_tz_vectors.py [--check]

It also builds the hand-made TZif files that test_tz.c builds in C, writes
their bytes (the test compares its own construction with them) and their
expected offsets, so the C builder and the expectations cannot drift apart.
"""

import datetime
import io
import os
import struct
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cron_oracle as O  # noqa: E402

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UTCZ = O.get_zone("UTC")


def ts(text):
	return O.parse_rfc3339(text)


def iso(t):
	return O.format_rfc3339(t, UTCZ)


# ---------------------------------------------------------------- hand-built TZif

def ttinfo(utoff, isdst, idx):
	return struct.pack(">lBB", utoff, isdst, idx)


def header(version, isut, isstd, leap, timecnt, typecnt, charcnt):
	return b"TZif" + version + b"\0" * 15 + struct.pack(">6l", isut, isstd, leap,
	    timecnt, typecnt, charcnt)


def tzif_v1():
	"""Version 1 only: +01:00, then +02:00 from 1e9, then +03:00 from 1.1e9."""
	b = header(b"\0", 0, 0, 0, 2, 3, 12)
	b += struct.pack(">2l", 1000000000, 1100000000) + bytes([1, 2])
	b += ttinfo(3600, 0, 0) + ttinfo(7200, 1, 4) + ttinfo(10800, 0, 8)
	b += b"AAA\0BBB\0CCC\0"
	return b


def decoy_v1_block(version):
	"""A v1 block that a v2+ reader must skip: a constant +05:00."""
	return header(version, 0, 0, 0, 0, 1, 4) + ttinfo(18000, 0, 0) + b"DCY\0"


def tzif_v2():
	"""
	Version 2: +00:30 until -3e9 (1874, before 32-bit time), +01:00, +02:00
	from 1e9, +01:00 from 1.01e9, then the footer's EU rule.
	"""
	b = decoy_v1_block(b"2")
	b += header(b"2", 0, 0, 0, 3, 3, 13)
	b += struct.pack(">3q", -3000000000, 1000000000, 1010000000) + bytes([1, 2, 1])
	b += ttinfo(1800, 0, 0) + ttinfo(3600, 0, 4) + ttinfo(7200, 1, 8)
	b += b"LMT\0CET\0CEST\0"
	b += b"\nCET-1CEST,M3.5.0,M10.5.0/3\n"
	return b


def tzif_footer_only():
	"""Version 2 with no transitions: the footer governs every instant."""
	b = decoy_v1_block(b"2")
	b += header(b"2", 0, 0, 0, 0, 1, 4) + ttinfo(-18000, 0, 0) + b"EST\0"
	b += b"\nEST5EDT,M3.2.0,M11.1.0\n"
	return b


def tzif_v3():
	"""Version 3 footer with hours outside 0-24 (Nuuk's rule)."""
	b = decoy_v1_block(b"3")
	b += header(b"3", 0, 0, 0, 1, 2, 8)
	b += struct.pack(">q", 0) + bytes([1])
	b += ttinfo(-10800, 0, 0) + ttinfo(-7200, 0, 4) + b"-03\0-02\0"
	b += b"\n<-02>2<-01>,M3.5.0/-1,M10.5.0/0\n"
	return b


HAND = [
	("Test/V1", "tzif_v1", tzif_v1()),
	("Test/V2", "tzif_v2", tzif_v2()),
	("Test/FooterOnly", "tzif_footer_only", tzif_footer_only()),
	("Test/V3", "tzif_v3", tzif_v3()),
]


def load(name):
	for n, _, data in HAND:
		if n == name:
			return zoneinfo.ZoneInfo.from_file(io.BytesIO(data), key=name)
	return O.get_zone(name)


# ---------------------------------------------------------------- instants

def changes(zone_name, years):
	out = []
	for y in years:
		out += transitions_in(zone_name, y)
	return out


def transitions_in(zone_name, year):
	z = load(zone_name)
	t = (datetime.date(year, 1, 1).toordinal() - O.EPOCH_ORDINAL) * O.DAY
	end = (datetime.date(year + 1, 1, 1).toordinal() - O.EPOCH_ORDINAL) * O.DAY
	out = []
	prev = O.offset_at(z, t)
	while t < end:
		o = O.offset_at(z, t + 3600)
		if o != prev:
			lo, hi = t, t + 3600
			while hi - lo > 1:
				mid = (lo + hi) // 2
				if O.offset_at(z, mid) == prev:
					lo = mid
				else:
					hi = mid
			out.append(hi)
			prev = o
		t += 3600
	return out


OFFSET_PLAN = {
	"America/New_York": ([2026, 2200, 2500, 1974, 2037, 2038],
	    ["1800-01-01T00:00:00Z", "1883-11-18T16:59:59Z", "1883-11-18T17:00:00Z",
	     "1970-01-01T00:00:00Z", "9999-07-01T00:00:00Z", "9999-12-31T23:59:59Z"]),
	"Europe/London": ([2026, 2200], ["1970-01-01T00:00:00Z", "2026-11-26T06:00:00Z"]),
	"Australia/Lord_Howe": ([2026, 2200, 2500], ["2026-07-01T00:00:00Z"]),
	"Asia/Kolkata": ([1942, 1945], ["2026-01-15T12:00:00Z", "2200-07-01T00:00:00Z"]),
	"Pacific/Chatham": ([2026, 2200], []),
	"Asia/Tokyo": ([1948], ["2026-01-15T12:00:00Z", "2500-07-01T00:00:00Z"]),
	"UTC": ([], ["1800-01-01T00:00:00Z", "2026-07-01T00:00:00Z", "9999-12-31T23:59:59Z"]),
	"Etc/GMT+5": ([], ["2026-07-01T00:00:00Z", "2200-01-01T00:00:00Z"]),
	"Europe/Dublin": ([2026, 2200], ["2200-01-15T00:00:00Z", "2200-07-15T00:00:00Z"]),
	"America/Nuuk": ([2026, 2200], []),
	"Asia/Jerusalem": ([2026, 2200], []),
	"America/Sao_Paulo": ([2018], ["2200-01-15T00:00:00Z"]),
	"Test/V1": ([], ["1900-01-01T00:00:00Z", "1970-01-01T00:00:00Z"]),
	"Test/V2": ([2002, 2200], ["1800-01-01T00:00:00Z", "1900-01-01T00:00:00Z"]),
	"Test/FooterOnly": ([2026, 2200], ["2026-01-15T00:00:00Z", "2026-07-15T00:00:00Z"]),
	"Test/V3": ([2026, 2200], []),
}
HAND_TIMES = {
	"Test/V1": [-3000000000, 999999999, 1000000000, 1099999999, 1100000000, 4000000000],
	"Test/V2": [-3000000001, -3000000000, 999999999, 1000000000, 1009999999, 1010000000],
	"Test/FooterOnly": [0],
	"Test/V3": [-1, 0],
}

# Spans: [start, end) around an instant; None is INT64_MIN / INT64_MAX.
SPAN_PLAN = [
	("America/New_York", "2026-06-01T00:00:00Z"),
	("America/New_York", "2026-03-08T07:00:00Z"),
	("America/New_York", "2026-03-08T06:59:59Z"),
	("America/New_York", "2026-12-01T00:00:00Z"),
	("America/New_York", "2200-07-01T00:00:00Z"),
	("America/New_York", "2500-01-15T00:00:00Z"),
	("Europe/London", "2026-11-26T06:00:00Z"),
	("Australia/Lord_Howe", "2026-06-01T00:00:00Z"),
	("Australia/Lord_Howe", "2400-12-01T00:00:00Z"),
	("Pacific/Chatham", "2026-06-01T00:00:00Z"),
	("Europe/Dublin", "2200-01-15T00:00:00Z"),
	("Test/V1", "2001-09-09T01:46:40Z"),
	("Test/V2", "2200-07-01T00:00:00Z"),
	("Test/FooterOnly", "2026-07-01T00:00:00Z"),
]
SPAN_MANUAL = [
	# zone, instant, start, end, offset, prev_offset
	("UTC", "2026-06-01T00:00:00Z", None, None, 0, 0),
	("Etc/GMT+5", "2026-06-01T00:00:00Z", None, None, -18000, -18000),
	("Asia/Tokyo", "2026-06-01T00:00:00Z", "1951-09-08T15:00:00Z", None, 32400, 36000),
	("Asia/Kolkata", "2026-06-01T00:00:00Z", "1945-10-14T17:30:00Z", None, 19800, 23400),
	("America/New_York", "1800-01-01T00:00:00Z", None, "1883-11-18T17:00:00Z", -17762, -17762),
	("Test/V1", "1970-01-01T00:00:00Z", None, "2001-09-09T01:46:40Z", 3600, 3600),
	("Test/V1", "2030-01-01T00:00:00Z", "2004-11-09T11:33:20Z", None, 10800, 7200),
	("Test/V2", "1800-01-01T00:00:00Z", None, "1874-12-07T18:40:00Z", 1800, 1800),
]


def find_span(zone_name, t):
	z = load(zone_name)
	o = O.offset_at(z, t)

	def edge(direction):
		k = 0
		while k < 24 * 1500:
			k += 1
			u = t + direction * k * 3600
			if O.offset_at(z, u) != o:
				a, b = t + direction * (k - 1) * 3600, u	# offset o at a, not at b
				while abs(b - a) > 1:
					mid = (a + b) // 2
					if O.offset_at(z, mid) == o:
						a = mid
					else:
						b = mid
				return a, b
		raise SystemExit(f"no transition near {zone_name} {iso(t)}: use SPAN_MANUAL")

	_, before = edge(-1)		# last instant with another offset
	_, end = edge(+1)
	return before + 1, end, o, O.offset_at(z, before)


def c_str(s):
	return "NULL" if s is None else '"' + s + '"'


def generate():
	out = ["/* Generated by tests/oracle/gen_tz_vectors.py with Python's zoneinfo: do not edit. */", ""]
	for _, cname, data in HAND:
		out.append(f"static const unsigned char {cname}_bytes[] = {{")
		for i in range(0, len(data), 12):
			out.append("\t" + " ".join(f"0x{c:02x}," for c in data[i:i + 12]))
		out.append("};")
	out.append("")
	out.append("/* { zone, instant (UTC), offset in seconds } */")
	out.append("static const struct offset_vector offset_vectors[] = {")
	n = 0
	for zone_name, (years, extra) in OFFSET_PLAN.items():
		z = load(zone_name)
		ts_list = []
		for T in changes(zone_name, years):
			ts_list += [T - 1, T]
		ts_list += [ts(x) for x in extra]
		ts_list += HAND_TIMES.get(zone_name, [])
		for t in sorted(set(ts_list)):
			out.append('\t{ "%s", "%s", %d },' % (zone_name, iso(t), O.offset_at(z, t)))
			n += 1
	out.append("};")
	out.append("")
	out.append("/* { zone, instant, span start, span end (NULL: none), offset, prev_offset } */")
	out.append("static const struct span_vector span_vectors[] = {")
	for zone_name, when in SPAN_PLAN:
		s, e, o, p = find_span(zone_name, ts(when))
		out.append('\t{ "%s", "%s", "%s", "%s", %d, %d },' % (zone_name, when, iso(s), iso(e), o, p))
	for zone_name, when, s, e, o, p in SPAN_MANUAL:
		z = load(zone_name)
		t = ts(when)
		assert O.offset_at(z, t) == o, (zone_name, when)
		if s is not None:
			assert O.offset_at(z, ts(s)) == o and O.offset_at(z, ts(s) - 1) == p, (zone_name, s)
		if e is not None:
			assert O.offset_at(z, ts(e) - 1) == o and O.offset_at(z, ts(e)) != o, (zone_name, e)
		out.append('\t{ "%s", "%s", %s, %s, %d, %d },' % (zone_name, when, c_str(s), c_str(e), o, p))
	out.append("};")
	return "\n".join(out) + "\n", n


def main():
	text, n = generate()
	path = os.path.join(TESTS, "tz_vectors.inc")
	if "--check" in sys.argv[1:]:
		with open(path) as f:
			if f.read() != text:
				print(f"{path} is stale: rerun gen_tz_vectors.py", file=sys.stderr)
				return 1
		return 0
	with open(path, "w") as f:
		f.write(text)
	print(f"{n} offsets", file=sys.stderr)
	return 0


if __name__ == "__main__":
	sys.exit(main())
