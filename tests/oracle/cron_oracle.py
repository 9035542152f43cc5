#!/usr/bin/python3
"""
cron_oracle.py: a slow, deliberately simple reference for the cron semantics
of SPEC section 3. It exists to generate tests/cron_vectors.inc and to be
read: every rule is written out plainly, nothing is clever or fast.

Standard library only (datetime, zoneinfo); run it with /usr/bin/python3,
which reads the same /usr/share/zoneinfo as schedd.

    cron_oracle.py EXPR [--tz ZONE] [--after RFC3339] [-n N] [--anchor RFC3339]

How a fire is found (next_fire):
  The set F of fire instants of an expression in a zone is defined from local
  wall times. For every local day that matches the day rules, and every time
  of day h:m:s that matches the time fields, let L be that wall time. The
  instants whose wall time is L are 0, 1 or 2 (gap, normal, repeated):
    wildcard schedule:    every such instant is in F (none in a gap);
    fixed-time schedule:  the first such instant is in F, and when there is
                          none (L is in a spring-forward gap) the instant that
                          ends the gap (the transition) is in F.
  F is a set, so several skipped wall times coalesce into one fire, also with
  a normal match at the transition instant itself.
  next(after) = min { f in F : f > after }. Local days are scanned in order;
  a fire f of wall time L is always within MARGIN of L, which bounds where the
  scan starts and when it may stop.

brute_fires() computes the same set a second way, instant by instant, for
self-checks on short windows (see gen_vectors.py).
"""

import argparse
import datetime
import re
import sys
import zoneinfo

DAY = 86400
MARGIN = 30 * 3600			# more than any UTC offset there is (14h)
EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()

SEC, MIN, HOUR, DOM, MON, DOW = range(6)
FIELDS = [
	("second", 0, 59),
	("minute", 0, 59),
	("hour", 0, 23),
	("day-of-month", 1, 31),
	("month", 1, 12),
	("day-of-week", 0, 7),
]
MONTH_NAMES = {n: i + 1 for i, n in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())}
DAY_NAMES = {n: i for i, n in enumerate("SUN MON TUE WED THU FRI SAT".split())}
MACROS = {
	"@yearly": "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly": "0 0 1 * *",
	"@weekly": "0 0 * * 0",
	"@daily": "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly": "0 * * * *",
}
EVERY_MSG = "@every needs a duration like 90s, 5m, 2h, 1d"
RATE_MSG = "rate needs a value and unit like rate(5 minutes)"
EVERY_MAX = 3650 * 86400
RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600,
    "day": DAY, "days": DAY}


class CronError(Exception):
	"""A parse error; str(e) is the exact message schedd must give."""


class Expr:
	def __init__(self, text):
		self.text = text
		# Plain sets: second, minute, hour, day-of-month, month, weekday (0-6).
		self.sets = [set() for _ in range(6)]
		self.dom_last = set()		# n of "L-n" ("L" is n = 0)
		self.dom_weekday = set()	# n of "nW"
		self.dom_lw = False		# "LW"
		self.dow_last = set()		# n of "nL" (0-6)
		self.dow_nth = set()		# (weekday, k) of "n#k"
		self.dom_star = True		# day-of-month is exactly "*" or "?"
		self.dow_star = True
		self.wildcard = False		# minute or hour text begins with "*"
		self.every = None		# seconds, for @every and rate()
		self.anchor = 0


# ---------------------------------------------------------------- parsing

def is_digits(s):
	return re.fullmatch(r"[0-9]+", s) is not None


def number(tok, f):
	"""A number or (month, day-of-week) name in field f, range-checked."""
	name, lo, hi = FIELDS[f]
	u = tok.upper()
	if f == MON and u in MONTH_NAMES:
		return MONTH_NAMES[u]
	if f == DOW and u in DAY_NAMES:
		return DAY_NAMES[u]
	if not is_digits(tok):
		raise CronError(f'{name} "{tok}" is not a number')
	v = int(tok)
	if v < lo or v > hi:
		raise CronError(f"{name} {tok} out of range {lo}-{hi}")	# as written
	return v


def step_value(tok, f):
	name, lo, hi = FIELDS[f]
	if not is_digits(tok):
		raise CronError(f'{name} "{tok}" is not a number')
	v = int(tok)
	if v == 0:
		raise CronError(f"{name} step 0 is not allowed")
	if v > hi:
		raise CronError(f"{name} step {v} out of range 1-{hi}")
	return v


def parse_item(item, f, x):
	"""One comma-separated piece of field f, added into x."""
	name, lo, hi = FIELDS[f]
	u = item.upper()

	# Characters that belong to other fields.
	if f not in (DOM, DOW):
		if "?" in item:
			raise CronError('"?" is only allowed in day-of-month and day-of-week')
		if re.fullmatch(r"L|LW|L-[0-9]+|[0-9]+L", u):
			raise CronError('"L" is only allowed in day-of-month and day-of-week')
	if f != DOM and re.fullmatch(r"[0-9]+W", u):
		raise CronError('"W" is only allowed in day-of-month')
	if f != DOW and "#" in item:
		raise CronError('"#" is only allowed in day-of-week')

	if f == DOM:
		if u == "L":
			x.dom_last.add(0)
			return
		m = re.fullmatch(r"L-([0-9]+)", u)
		if m:
			n = int(m.group(1))
			if n > 30:
				raise CronError(f"day-of-month offset {n} out of range 0-30")
			x.dom_last.add(n)
			return
		if u == "LW":
			x.dom_lw = True
			return
		if u == "W":
			raise CronError('day-of-month "W" needs a day, e.g. 15W')
		m = re.fullmatch(r"([0-9]+)W", u)
		if m:
			x.dom_weekday.add(number(m.group(1), DOM))
			return

	if f == DOW:
		if u == "L":
			raise CronError('day-of-week "L" needs a weekday, e.g. 5L')
		m = re.fullmatch(r"([0-9]+|[A-Z]{3})L", u)
		if m:
			x.dow_last.add(number(m.group(1), DOW) % 7)
			return
		if "#" in item:
			a, k = item.split("#", 1)
			wd = number(a, DOW) % 7
			if not is_digits(k):
				raise CronError(f'{name} "{k}" is not a number')
			k = int(k)
			if k < 1 or k > 5:
				raise CronError(f"day-of-week occurrence {k} out of range 1-5")
			x.dow_nth.add((wd, k))
			return

	# Left to right: the base (*, a, a-b), then the step.
	step = None
	base, s = item.split("/", 1) if "/" in item else (item, None)
	if base == "*":
		a, b = lo, hi
	elif "-" in base:
		sa, sb = base.split("-", 1)
		if sa == "" or sb == "":
			raise CronError(f'{name} "{base}" is not a number')
		a = number(sa, f)
		b = number(sb, f)
		# "FRI-SUN" is 5-7: a range may end on Sunday as 7.
		if f == DOW and sb.upper() == "SUN" and a > 0:
			b = 7
		if a > b:
			raise CronError(f"{name} range {base} is reversed")
	else:
		# "a/n" is "a-max/n". In day-of-week max is 7 here (so "1/2" takes
		# Sunday as 7); no vector depends on that reading.
		a = number(base, f)
		b = hi if s is not None else a
	if s is not None:
		step = step_value(s, f)
	for v in range(a, b + 1, step or 1):
		x.sets[f].add(v % 7 if f == DOW else v)


def parse_fields(fields, x):
	for f, text in enumerate(fields):
		if f in (DOM, DOW) and text == "?":
			text = "*"
		for item in text.split(","):
			parse_item(item, f, x)
	x.dom_star = fields[DOM] in ("*", "?")
	x.dow_star = fields[DOW] in ("*", "?")
	x.wildcard = fields[MIN].startswith("*") or fields[HOUR].startswith("*")


def parse_every(arg):
	# Each unit at most once, largest first: "1s1s" and "30m1h" are slips.
	if arg == "" or not re.fullmatch(r"([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?", arg):
		raise CronError(EVERY_MSG)
	units = {"d": DAY, "h": 3600, "m": 60, "s": 1}
	total = sum(int(n) * units[u] for n, u in re.findall(r"([0-9]+)([dhms])", arg))
	if total <= 0 or total > EVERY_MAX:
		raise CronError(EVERY_MSG)
	return total


def parse(text):
	"""Parse an expression; raise CronError with schedd's message."""
	t = text.strip()
	x = Expr(t)
	if t == "":
		raise CronError("empty expression")
	if t.lower().startswith("rate("):
		m = re.fullmatch(r"rate\(\s*([0-9]+)\s+([a-z]+)\s*\)", t, re.I)
		if not m or m.group(2).lower() not in RATE_UNITS or int(m.group(1)) == 0:
			raise CronError(RATE_MSG)
		x.every = int(m.group(1)) * RATE_UNITS[m.group(2).lower()]
		if x.every > EVERY_MAX:
			raise CronError(RATE_MSG)
		return x
	if t.startswith("@"):
		words = t.split()
		words[0] = words[0].lower()
		if words[0] == "@every":
			if len(words) != 2:
				raise CronError(EVERY_MSG)
			x.every = parse_every(words[1])
			return x
		if words[0] not in MACROS or len(words) != 1:
			raise CronError(f'unknown macro "{words[0]}"')
		fields = MACROS[words[0]].split()
	else:
		fields = t.split()
		if len(fields) not in (5, 6):
			raise CronError(f"expected 5 or 6 fields, got {len(fields)}")
	if len(fields) == 5:
		fields = ["0"] + fields
	parse_fields(fields, x)
	if not ever_fires(x):
		raise CronError(f"never fires: {t}")
	return x


def ever_fires(x):
	"""The Gregorian calendar repeats every 400 years: look at one cycle."""
	d = datetime.date(2000, 1, 1)
	while d.year < 2400:
		if day_matches(x, d):
			return True
		d += datetime.timedelta(days=1)
	return False


# ---------------------------------------------------------------- days

def days_in_month(y, m):
	if m == 12:
		return 31
	return (datetime.date(y, m + 1, 1) - datetime.date(y, m, 1)).days


def cron_weekday(d):
	"""0 = Sunday ... 6 = Saturday."""
	return (d.weekday() + 1) % 7


def nearest_weekday(y, m, n):
	"""Day of month of "nW", or None when the month has no day n."""
	dim = days_in_month(y, m)
	if n > dim:
		return None
	wd = cron_weekday(datetime.date(y, m, n))
	if wd == 6:			# Saturday: the Friday before, unless that is
		return n - 1 if n > 1 else n + 2	# last month: then Monday after
	if wd == 0:			# Sunday: the Monday after, unless that is
		return n + 1 if n < dim else n - 2	# next month: then Friday before
	return n


def last_weekday(y, m):
	"""Day of month of "LW": the last Monday-Friday."""
	d = days_in_month(y, m)
	while cron_weekday(datetime.date(y, m, d)) in (0, 6):
		d -= 1
	return d


def dom_matches(x, d):
	y, m, day = d.year, d.month, d.day
	dim = days_in_month(y, m)
	if day in x.sets[DOM]:
		return True
	for n in x.dom_last:
		if dim - n == day:	# dim - n < 1 never equals a day
			return True
	for n in x.dom_weekday:
		if nearest_weekday(y, m, n) == day:
			return True
	if x.dom_lw and last_weekday(y, m) == day:
		return True
	return False


def dow_matches(x, d):
	wd = cron_weekday(d)
	dim = days_in_month(d.year, d.month)
	if wd in x.sets[DOW]:
		return True
	if wd in x.dow_last and d.day + 7 > dim:
		return True
	if (wd, (d.day - 1) // 7 + 1) in x.dow_nth:
		return True
	return False


def day_matches(x, d):
	if d.month not in x.sets[MON]:
		return False
	if x.dom_star and x.dow_star:
		return True
	if x.dom_star:
		return dow_matches(x, d)
	if x.dow_star:
		return dom_matches(x, d)
	return dom_matches(x, d) or dow_matches(x, d)


def wall_matches(x, w):
	"""Do the local wall-clock seconds w (seconds since 1970 as if UTC) match?"""
	dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=w)
	return (dt.second in x.sets[SEC] and dt.minute in x.sets[MIN] and
	    dt.hour in x.sets[HOUR] and day_matches(x, dt.date()))


# ---------------------------------------------------------------- zones

def get_zone(name):
	return zoneinfo.ZoneInfo(name)


FIRST_T = -62135596800 + 2 * DAY	# 0001-01-03T00:00:00Z
LAST_T = 253402300799 - 2 * DAY		# 9999-12-29T23:59:59Z


def offset_at(zone, t):
	"""UTC offset in seconds of zone at instant t (the ends of time clamped)."""
	t = min(max(t, FIRST_T), LAST_T)
	off = datetime.datetime.fromtimestamp(t, zone).utcoffset()
	return int(off.total_seconds())


_near_cache = {}


def offsets_near(zone, day_start):
	"""Every offset the zone has within MARGIN of a local day (sampled every 30 min)."""
	key = (str(zone), day_start)
	if key not in _near_cache:
		_near_cache[key] = sorted({offset_at(zone, t) for t in
		    range(day_start - MARGIN, day_start + DAY + MARGIN + 1, 1800)})
	return _near_cache[key]


def instants_of_wall(zone, w, offs):
	"""All instants whose wall time is w: 0 (gap), 1, or 2 (repeated)."""
	return sorted({w - o for o in offs if offset_at(zone, w - o) == o})


def gap_end(zone, w, offs):
	"""w is in a spring-forward gap: the transition instant that ends it."""
	lo = w - max(offs)		# wall(lo) < w
	hi = w - min(offs)		# wall(hi) > w
	assert lo + offset_at(zone, lo) < w < hi + offset_at(zone, hi)
	while hi - lo > 1:		# smallest t with wall(t) > w
		mid = (lo + hi) // 2
		if mid + offset_at(zone, mid) > w:
			hi = mid
		else:
			lo = mid
	t = hi
	old, new = offset_at(zone, t - 1), offset_at(zone, t)
	assert new > old and t + old <= w < t + new, (w, t, old, new)
	return t


def fires_of_wall(x, zone, w, offs):
	inst = instants_of_wall(zone, w, offs)
	if x.wildcard:
		return inst
	if inst:
		return [inst[0]]
	return [gap_end(zone, w, offs)]


def next_fire(x, zone, after):
	"""The first fire instant strictly after `after`, or None before year 10000."""
	if x.every is not None:
		k = max(1, (after - x.anchor) // x.every + 1)
		return x.anchor + k * x.every
	best = None
	lowest = after - MARGIN		# a fire > after has its wall time above this
	d = datetime.date(1970, 1, 1) + datetime.timedelta(days=lowest // DAY)
	times = sorted(h * 3600 + m * 60 + s for h in x.sets[HOUR]
	    for m in x.sets[MIN] for s in x.sets[SEC])
	while True:
		day_start = (d.toordinal() - EPOCH_ORDINAL) * DAY
		if best is not None and day_start > best + MARGIN:
			return best
		if day_matches(x, d):
			offs = offsets_near(zone, day_start)
			for tod in times:
				w = day_start + tod
				if w < lowest:
					continue
				if best is not None and w > best + MARGIN:
					break
				for f in fires_of_wall(x, zone, w, offs):
					if f > after and (best is None or f < best):
						best = f
		if d.year == 9999 and d.month == 12 and d.day == 31:
			return best
		d += datetime.timedelta(days=1)


def prev_fire(x, zone, before):
	"""The last fire instant strictly before `before`, or None after year 1."""
	if x.every is not None:
		k = -((x.anchor - before) // x.every) - 1	# ceil((before - anchor) / every) - 1
		return x.anchor + k * x.every if k >= 1 else None
	best = None
	highest = before + MARGIN	# a fire < before has its wall time below this
	d = datetime.date(1970, 1, 1) + datetime.timedelta(days=highest // DAY)
	times = sorted((h * 3600 + m * 60 + s for h in x.sets[HOUR]
	    for m in x.sets[MIN] for s in x.sets[SEC]), reverse=True)
	while True:
		day_start = (d.toordinal() - EPOCH_ORDINAL) * DAY
		if best is not None and day_start + DAY < best - MARGIN:
			return best
		if day_matches(x, d):
			offs = offsets_near(zone, day_start)
			for tod in times:
				w = day_start + tod
				if w > highest:
					continue
				if best is not None and w < best - MARGIN:
					break
				for f in fires_of_wall(x, zone, w, offs):
					if f < before and (best is None or f > best):
						best = f
		if d.year == 1 and d.month == 1 and d.day == 1:
			return best
		d -= datetime.timedelta(days=1)


def next_n(x, zone, after, n):
	out = []
	t = after
	for _ in range(n):
		t = next_fire(x, zone, t)
		if t is None:
			break
		out.append(t)
	return out


def brute_fires(x, zone, after, until, step):
	"""
	The fires in (after, until], found instant by instant (every `step`
	seconds, aligned), straight from the rules:
	  wildcard:   t fires iff wall(t) matches;
	  fixed-time: t fires iff wall(t) matches and no earlier instant has
	              the same wall time, or t ends a spring-forward gap in
	              which some wall time matches.
	"""
	out = []
	t = after - after % step + step
	while t <= until:
		off = offset_at(zone, t)
		w = t + off
		fired = False
		if wall_matches(x, w):
			if x.wildcard:
				fired = True
			else:
				# An earlier instant with this wall time: off' > off at w - off'.
				earlier = False
				for o in {offset_at(zone, t - k * 900) for k in range(1, 4 * 30)}:
					if o > off and offset_at(zone, w - o) == o:
						earlier = True
				fired = not earlier
		if not fired and not x.wildcard:
			prev = offset_at(zone, t - 1)
			if off > prev:
				for g in range(t + prev, t + off, 1 if step == 1 else 60):
					if wall_matches(x, g):
						fired = True
						break
		if fired:
			out.append(t)
		t += step
	return out


# ---------------------------------------------------------------- text

def format_rfc3339(t, zone):
	off = offset_at(zone, t)
	dt = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t + off)
	s = "%04d-%02d-%02dT%02d:%02d:%02d" % (dt.year, dt.month, dt.day,
	    dt.hour, dt.minute, dt.second)
	if off == 0:
		return s + "Z"
	assert off % 60 == 0, "offset with seconds cannot be written in RFC 3339"
	sign = "+" if off > 0 else "-"
	a = abs(off)
	return "%s%s%02d:%02d" % (s, sign, a // 3600, a % 3600 // 60)


def parse_rfc3339(text):
	m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.\d+)?"
	    r"(?:([Zz])|([+-])(\d\d):(\d\d))", text)
	if not m:
		raise ValueError(f"bad RFC 3339 time {text!r}")
	y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
	w = (datetime.date(y, mo, d).toordinal() - EPOCH_ORDINAL) * DAY + h * 3600 + mi * 60 + s
	if m.group(7):
		return w
	off = int(m.group(9)) * 3600 + int(m.group(10)) * 60
	return w - off if m.group(8) == "+" else w + off


def main():
	ap = argparse.ArgumentParser(description="reference cron next()")
	ap.add_argument("expr")
	ap.add_argument("--tz", default="UTC")
	ap.add_argument("--after", default="2026-01-01T00:00:00Z")
	ap.add_argument("--anchor", default=None)
	ap.add_argument("-n", type=int, default=5)
	a = ap.parse_args()
	try:
		x = parse(a.expr)
	except CronError as e:
		print(f"cron_oracle: {e}", file=sys.stderr)
		return 65
	if a.anchor:
		x.anchor = parse_rfc3339(a.anchor)
	zone = get_zone(a.tz)
	for t in next_n(x, zone, parse_rfc3339(a.after), a.n):
		print(format_rfc3339(t, zone))
	return 0


if __name__ == "__main__":
	sys.exit(main())
