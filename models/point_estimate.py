#!/usr/bin/env python3
"""Independent hand calculation of a costsim scenario's point estimate.

Usage: python3 models/point_estimate.py SCENARIO.csv [--detail | --md]

Reads a scenario and its model directory with nothing but the Python
standard library and evaluates the model once with every input at its
point estimate (the "point-estimate run" of the costsim documentation):
each element at its `likely` (else the midpoint for uniform and normal,
e^mu for lognormal), the slip at its point estimate rounded half away from
zero and clamped at 0, no risks, inflation at its point estimate, FX at the
base rate (gbm: rate * e^(drift * t)), hedges applied. It prints the
constant, nominal and present-value totals in the report currency, the
phases and the delivery years; --detail and --md add one line per element.

It also checks the rules it relies on (numbers, ids, streams, year
expressions, ranges, distributions, correlations) and exits 1 listing
every problem it found. It is a cross-check, not a replacement for
`costsim check`.

Written independently of the C program: tests/test_cpsp.c pins costsim's
point estimates to the numbers this script prints, so an accidental change
of a model or of the engine's arithmetic is caught.

Semantics covered: bases once (flat/front/back), per_year, per_unit (unit
learning, spread over build_years), per_unit_year; year expressions with
first_delivery, last_delivery, end_of_service and +/-N; fractional
delivery_interval in thousandths; `if_empty` zero (an empty range costs
nothing); element.<id>.scale and phase.<name>.scale; overrides of model
cells (an empty value clears the cell); the `stream` column and the
scenario keys slip.stream, schedule_target and budget_measure (validated,
and reported, but they do not change a point estimate).
"""
import csv
import io
import math
import os
import re
import sys

NUM = re.compile(r'^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$')
ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]*$')
CUR = re.compile(r'^[A-Z]{3}$')
MARKERS = ('first_delivery', 'last_delivery', 'end_of_service')
YEXPR = re.compile(r'^(\d{4}|(first_delivery|last_delivery|end_of_service)([+-]\d+)?)$')

ELEMENT_COLS = {'id', 'name', 'phase', 'currency', 'basis', 'dist', 'low', 'likely', 'high',
                'start', 'end', 'profile', 'learning', 'if_empty', 'stream', 'notes'}
RISK_COLS = {'id', 'name', 'probability', 'phase', 'currency', 'dist', 'low', 'likely', 'high',
             'year', 'slip', 'stream', 'notes'}
CURRENCY_COLS = {'currency', 'rate', 'fx_model', 'drift', 'volatility', 'reversion', 'hedge_ratio',
                 'hedge_rate', 'inflation.dist', 'inflation.low', 'inflation.likely',
                 'inflation.high', 'notes'}
PAIR_COLS = {'a', 'b', 'rho'}
SCENARIO_KEYS = {'name', 'model', 'trials', 'seed', 'base_year', 'base_currency', 'report_currency',
                 'discount_rate', 'units', 'first_delivery', 'delivery_interval', 'build_years',
                 'service_life', 'slip.dist', 'slip.low', 'slip.likely', 'slip.high', 'slip.stream',
                 'default_correlation', 'correlation_repair', 'budget', 'budget_measure',
                 'schedule_target'}

errors = []


class Fatal(Exception):
    """A problem after which nothing sensible can be computed."""


def err(path, line, col, msg):
    errors.append(f'{path}:{line}:{col}: {msg}')


def read(path, cols, required):
    """Rows of a CSV file as dicts (with '_line', the physical line where the
    record starts); [] for a missing optional file."""
    if not os.path.exists(path):
        if required:
            errors.append(f'{path}: missing file')
            raise Fatal
        return []
    rows, header = [], None
    limit = 64 << 20  # an endless file (a link to /dev/zero) is refused, not read
    with open(path, newline='', encoding='utf-8-sig') as f:
        try:
            text = f.read(limit + 1)
        except UnicodeDecodeError as e:
            errors.append(f'{path}: not valid UTF-8 (byte {e.start})')
            raise Fatal
    if len(text) > limit:
        errors.append(f'{path}: larger than {limit} characters')
        raise Fatal
    reader = csv.reader(io.StringIO(text, newline=''))
    next_line = 1
    for rec in reader:
        lineno, next_line = next_line, reader.line_num + 1
        if not rec or all(not c.strip() for c in rec) or rec[0].strip().startswith('#'):
            continue
        rec = [c.strip() for c in rec]
        if header is None:
            header = rec
            for h in header:
                if h not in cols:
                    err(path, lineno, h, 'unknown column')
            if len(set(header)) != len(header):
                err(path, lineno, '', 'duplicate column')
            continue
        if len(rec) > len(header):
            err(path, lineno, len(header) + 1, 'extra field')
        row = {h: (rec[i] if i < len(rec) else '') for i, h in enumerate(header)}
        row['_line'] = lineno
        rows.append(row)
    if header is None and required:
        errors.append(f'{path}: no header')
        raise Fatal
    return rows


def num(path, row, col, integer=False):
    v = row.get(col, '')
    if v == '':
        return None
    if not NUM.match(v) or not math.isfinite(float(v)):
        err(path, row['_line'], col, f'bad number {v!r}')
        return None
    x = float(v)
    if integer and x != int(x):
        err(path, row['_line'], col, 'not an integer')
    return x


def check_dist(path, row, prefix=''):
    """(dist, low, likely, high) after checking the parameters, or None."""
    d = row.get(prefix + 'dist', '') or ('fixed' if prefix else '')
    lo, li, hi = (num(path, row, prefix + c) for c in ('low', 'likely', 'high'))
    ln = row['_line']
    if d not in ('fixed', 'uniform', 'triangular', 'pert', 'normal', 'lognormal'):
        err(path, ln, prefix + 'dist', f'bad dist {d!r}')
        return None
    if d == 'fixed':
        if lo is not None or hi is not None:
            err(path, ln, prefix + 'low', 'fixed takes likely only')
        if li is None:
            err(path, ln, prefix + 'likely', 'missing')
            return None
        return d, lo, li, hi
    if lo is None or hi is None or not lo < hi:
        err(path, ln, prefix + 'low', 'need low < high')
        return None
    if d in ('triangular', 'pert') and (li is None or not lo <= li <= hi):
        err(path, ln, prefix + 'likely', 'need low <= likely <= high')
        return None
    if d == 'lognormal' and lo <= 0:
        err(path, ln, prefix + 'low', 'lognormal needs low > 0')
        return None
    if d == 'uniform' and li is not None and not lo <= li <= hi:
        err(path, ln, prefix + 'likely', 'need low <= likely <= high')
    return d, lo, li, hi


def point(dd):
    d, lo, li, hi = dd
    if li is not None:
        return li
    if d in ('uniform', 'normal'):
        return (lo + hi) / 2
    return math.exp((math.log(lo) + math.log(hi)) / 2)  # lognormal: e^mu


def round_half_away(x):
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def yexpr(s, marks):
    m = re.match(r'^(first_delivery|last_delivery|end_of_service)([+-]\d+)?$', s)
    if not m:
        return int(s)
    return marks[m.group(1)] + (int(m.group(2)) if m.group(2) else 0)


def eig_min(matrix):
    """Smallest eigenvalue of a symmetric matrix (cyclic Jacobi)."""
    n = len(matrix)
    if n == 0:
        return 1.0
    a = [row[:] for row in matrix]
    for _ in range(100 * n * n):
        off = max(((abs(a[i][j]), i, j) for i in range(n) for j in range(n) if i != j),
                  default=(0.0, 0, 0))
        if off[0] < 1e-14:
            break
        _, p, q = off
        th = 0.5 * math.atan2(2 * a[p][q], a[q][q] - a[p][p])
        c, s = math.cos(th), math.sin(th)
        for k in range(n):
            akp, akq = a[k][p], a[k][q]
            a[k][p], a[k][q] = c * akp - s * akq, s * akp + c * akq
        for k in range(n):
            apk, aqk = a[p][k], a[q][k]
            a[p][k], a[q][k] = c * apk - s * aqk, s * apk + c * aqk
    return min(a[i][i] for i in range(n))


def check_streams(path, rows):
    seen = {}
    for r in rows:
        s = r.get('stream', '')
        if s == '':
            continue
        if not ID.match(s):
            err(path, r['_line'], 'stream', f'bad stream name {s!r}')
        elif s in seen:
            err(path, r['_line'], 'stream', f'stream {s!r} already used on line {seen[s]}')
        else:
            seen[s] = r['_line']


def scenario_number(scen, S, key, default=None, integer=False):
    v = S.get(key, '')
    if v == '':
        if default is None:
            errors.append(f'{scen}: missing key {key}')
            raise Fatal
        return default
    if not NUM.match(v):
        errors.append(f'{scen}: {key}: bad number {v!r}')
        raise Fatal
    x = float(v)
    if integer and x != int(x):
        errors.append(f'{scen}: {key}: not an integer')
        raise Fatal
    return int(x) if integer else x


def main(argv):
    args = [a for a in argv[1:] if not a.startswith('--')]
    opts = [a for a in argv[1:] if a.startswith('--')]
    if len(args) != 1 or any(o not in ('--detail', '--md') for o in opts):
        sys.stderr.write(__doc__.split('\n\n')[1] + '\n')
        return 2
    scen = args[0]
    if not os.path.isfile(scen):
        sys.stderr.write(f'{scen}: no such scenario file\n')
        return 2

    S = {}
    for r in read(scen, {'key', 'value'}, True):
        if r['key'] in S:
            err(scen, r['_line'], 'key', 'duplicate key')
        S[r['key']] = r['value']
    if not S.get('model'):
        errors.append(f'{scen}: missing key model')
        raise Fatal
    mdir = os.path.normpath(os.path.join(os.path.dirname(scen), S['model']))
    E = read(os.path.join(mdir, 'elements.csv'), ELEMENT_COLS, True)
    C = read(os.path.join(mdir, 'currencies.csv'), CURRENCY_COLS, False)
    Rk = read(os.path.join(mdir, 'risks.csv'), RISK_COLS, False)
    CR = read(os.path.join(mdir, 'correlations.csv'), PAIR_COLS, False)
    FX = read(os.path.join(mdir, 'fx_correlations.csv'), PAIR_COLS, False)

    # Overrides and scales.
    tables = {'element': (E, 'id', ELEMENT_COLS), 'risk': (Rk, 'id', RISK_COLS),
              'currency': (C, 'currency', CURRENCY_COLS)}
    escale, pscale = {}, {}
    for k, v in S.items():
        if k in SCENARIO_KEYS:
            continue
        m = re.match(r'^(element|phase)\.([A-Za-z0-9][A-Za-z0-9_-]*)\.scale$', k)
        if m:
            x = float(v) if NUM.match(v) else -1
            if x < 0:
                errors.append(f'{scen}: {k}: need a number >= 0')
                continue
            (escale if m.group(1) == 'element' else pscale)[m.group(2)] = x
            if m.group(1) == 'element' and not any(r['id'] == m.group(2) for r in E):
                errors.append(f'{scen}: {k}: no such element')
            continue
        parts = k.split('.', 2)
        if parts[0] in tables and len(parts) == 3:
            rows, kc, cols = tables[parts[0]]
            if parts[2] not in cols or parts[2] == kc:
                errors.append(f'{scen}: {k}: unknown column')
                continue
            hit = [r for r in rows if r[kc] == parts[1]]
            if not hit and parts[0] == 'currency' and parts[1] == S.get('base_currency'):
                hit = [{'currency': parts[1], '_line': 0}]
                C.append(hit[0])
            if not hit:
                errors.append(f'{scen}: {k}: no such row')
                continue
            hit[0][parts[2]] = v
            continue
        errors.append(f'{scen}: unknown key {k}')

    by = scenario_number(scen, S, 'base_year', integer=True)
    base = S.get('base_currency', '')
    if not CUR.match(base):
        errors.append(f'{scen}: base_currency: need three uppercase letters')
        raise Fatal
    rep = S.get('report_currency') or base
    units = scenario_number(scen, S, 'units', 1, integer=True)
    m_int = round(scenario_number(scen, S, 'delivery_interval', 1) * 1000)
    bld = scenario_number(scen, S, 'build_years', 1, integer=True)
    life = scenario_number(scen, S, 'service_life', 1, integer=True)
    dr = scenario_number(scen, S, 'discount_rate', 0)
    if not -1 < dr <= 1:
        errors.append(f'{scen}: discount_rate: need -1 < rate <= 1')
        raise Fatal
    if not 1900 <= by <= 2300:
        errors.append(f'{scen}: base_year: need a year 1900 ... 2300')
        raise Fatal
    uses_markers = any(r.get('basis') in ('per_unit', 'per_unit_year') for r in E) or any(
        re.match(r'^[a-z]', r.get(c, '')) for r in E + Rk for c in ('start', 'end', 'year'))
    fd = scenario_number(scen, S, 'first_delivery', None if uses_markers else by, integer=True)
    for key in ('slip.stream',):
        if S.get(key, '') and not ID.match(S[key]):
            errors.append(f'{scen}: {key}: bad stream name {S[key]!r}')
    if S.get('budget_measure', '') not in ('', 'constant', 'nominal', 'pv'):
        errors.append(f'{scen}: budget_measure: need constant, nominal or pv')
    target = S.get('schedule_target', '')
    if target and not re.match(r'^\d{4}$', target):
        errors.append(f'{scen}: schedule_target: need a four-digit year')
    slip_row = {'_line': 0, 'dist': S.get('slip.dist', '') or 'fixed',
                'low': S.get('slip.low', ''), 'likely': S.get('slip.likely', '') or (
                    '0' if (S.get('slip.dist', '') or 'fixed') == 'fixed' else ''),
                'high': S.get('slip.high', '')}
    slipd = check_dist(scen, slip_row)
    s = max(0, round_half_away(point(slipd))) if slipd else 0
    if not 1900 <= fd + s + (units - 1) * m_int // 1000 + life <= 2300:
        errors.append(f'{scen}: the delivery schedule leaves the years 1900 ... 2300')
        raise Fatal

    def schedule(sl):
        dl = [fd + sl + ((k - 1) * m_int) // 1000 for k in range(1, units + 1)]
        return dl, {'first_delivery': dl[0], 'last_delivery': dl[-1],
                    'end_of_service': dl[-1] + life - 1}

    # Currencies.
    cur = {}
    cpath = os.path.join(mdir, 'currencies.csv')
    for r in C:
        c = r['currency']
        if not CUR.match(c):
            err(cpath, r['_line'], 'currency', 'bad code')
        rate = num(cpath, r, 'rate')
        fxm = r.get('fx_model', '') or 'fixed'
        if fxm not in ('fixed', 'gbm', 'ou'):
            err(cpath, r['_line'], 'fx_model', 'need fixed, gbm or ou')
        for col, used in (('drift', fxm == 'gbm'), ('volatility', fxm in ('gbm', 'ou')),
                          ('reversion', fxm == 'ou')):
            if not used and fxm != 'fixed' and r.get(col, ''):
                err(cpath, r['_line'], col, f'not used by {fxm}')
        if c == base:
            rate = 1.0 if rate is None else rate
        if rate is None or rate <= 0:
            err(cpath, r['_line'], 'rate', 'need a rate > 0')
            rate = 1.0
        infl = check_dist(cpath, r, 'inflation.')
        cur[c] = dict(rate=rate, fx=fxm,
                      drift=(num(cpath, r, 'drift') or 0.0) if fxm == 'gbm' else 0.0,
                      infl=point(infl) if infl else 0.0,
                      h=num(cpath, r, 'hedge_ratio') or 0.0, hr=num(cpath, r, 'hedge_rate'))
    if base not in cur:
        cur[base] = dict(rate=1.0, fx='fixed', drift=0.0, infl=0.0, h=0.0, hr=None)
    if rep not in cur:
        errors.append(f'{scen}: report_currency {rep} is not in currencies.csv')
        raise Fatal

    def spot(c, y):
        cc = cur[c]
        return cc['rate'] * (math.exp(cc['drift'] * (y - by)) if cc['fx'] == 'gbm' else 1.0)

    def conv(c, y):
        cc = cur[c]
        hr = cc['hr'] if cc['hr'] is not None else cc['rate']
        return cc['h'] * hr + (1 - cc['h']) * spot(c, y)

    rep_rate = cur[rep]['rate']
    dl, marks = schedule(s)
    dl0, marks0 = schedule(0)

    # Elements.
    epath = os.path.join(mdir, 'elements.csv')
    check_streams(epath, E)
    tot = dict(constant=0.0, nominal=0.0, pv=0.0)
    phases, lines, ids = {}, [], set()
    for r in E:
        ln = r['_line']
        if not ID.match(r.get('id', '')) or r['id'] in ids:
            err(epath, ln, 'id', 'bad or duplicate id')
        ids.add(r.get('id', ''))
        if not ID.match(r.get('phase', '')):
            err(epath, ln, 'phase', 'bad phase name')
        if r.get('currency', '') not in cur:
            err(epath, ln, 'currency', 'unknown currency')
            continue
        dd = check_dist(epath, r)
        b = r.get('basis', '')
        if b in ('once', 'per_year'):
            bad = False
            for col in ('start', 'end'):
                if not YEXPR.match(r.get(col, '')):
                    err(epath, ln, col, 'bad year expression')
                    bad = True
            if bad:
                continue
        elif b in ('per_unit', 'per_unit_year'):
            for col in ('start', 'end', 'if_empty'):
                if r.get(col, ''):
                    err(epath, ln, col, 'must be empty for ' + b)
        else:
            err(epath, ln, 'basis', 'bad basis')
            continue
        if r.get('profile', '') and b != 'once':
            err(epath, ln, 'profile', 'once only')
        if r.get('profile', '') not in ('', 'flat', 'front', 'back'):
            err(epath, ln, 'profile', 'need flat, front or back')
        if r.get('learning', '') and b != 'per_unit':
            err(epath, ln, 'learning', 'per_unit only')
        if_empty = r.get('if_empty', '') or 'error'
        if if_empty not in ('error', 'zero'):
            err(epath, ln, 'if_empty', 'need error or zero')
        if dd is None:
            continue
        A = point(dd) * escale.get(r['id'], 1.0) * pscale.get(r['phase'], 1.0)
        flows = {}

        def add(y, a):
            flows[y] = flows.get(y, 0.0) + a

        if b in ('once', 'per_year'):
            y0, y1 = yexpr(r['start'], marks), yexpr(r['end'], marks)
            z0, z1 = yexpr(r['start'], marks0), yexpr(r['end'], marks0)
            if z0 < by:
                err(epath, ln, 'start', 'before the base year')
            if z0 > z1 and if_empty != 'zero':
                err(epath, ln, 'start', 'start after end')
            n = y1 - y0 + 1
            if n <= 0:
                formula = f'empty range {y0}-{y1}: 0 (if_empty zero)'
            elif b == 'once':
                prof = r.get('profile', '') or 'flat'
                w = ([1.0] * n if prof == 'flat' else
                     [n - i for i in range(n)] if prof == 'front' else [i + 1 for i in range(n)])
                for i in range(n):
                    add(y0 + i, A * w[i] / sum(w))
                formula = f'{A:g}'
            else:
                for y in range(y0, y1 + 1):
                    add(y, A)
                formula = f'{A:g} x {n} yr ({y0}-{y1})'
        elif b == 'per_unit':
            L = num(epath, r, 'learning')
            L = 1.0 if L is None else L
            if not 0 < L <= 1:
                err(epath, ln, 'learning', 'need 0 < learning <= 1')
                continue
            bb = math.log2(L)
            for k in range(1, units + 1):
                for y in range(dl[k - 1] - bld, dl[k - 1]):
                    add(y, A * k ** bb / bld)
                if dl0[k - 1] - bld < by:
                    err(epath, ln, 'basis', 'construction before the base year')
            sk = sum(k ** bb for k in range(1, units + 1))
            formula = f'{A:g} x sum k^log2({L:g}) = {sk:.10f}'
        else:
            for k in range(1, units + 1):
                for y in range(dl[k - 1], dl[k - 1] + life):
                    add(y, A)
            formula = f'{A:g} x {units} x {life}'
        c = r['currency']
        own = sum(flows.values())
        const = own * cur[c]['rate'] / rep_rate
        nom = pv = 0.0
        for y, a in flows.items():
            v = a * (1 + cur[c]['infl']) ** (y - by) * conv(c, y) / spot(rep, y)
            nom += v
            pv += v / (1 + dr) ** (y - by)
        tot['constant'] += const
        tot['nominal'] += nom
        tot['pv'] += pv
        ph = phases.setdefault(r['phase'], [0.0, 0.0, 0.0])
        ph[0] += const
        ph[1] += nom
        ph[2] += pv
        years = f'{min(flows)}-{max(flows)}' if flows else 'none'
        lines.append((r['id'], c, b, formula, own, own * cur[c]['rate'], const, years))
    for p in pscale:
        if p not in phases and not any((r.get('phase') or 'risk') == p for r in Rk):
            errors.append(f'{scen}: phase.{p}.scale: no element or risk has phase {p}')

    # Risks: validated only; the point estimate excludes them.
    rpath = os.path.join(mdir, 'risks.csv')
    check_streams(rpath, Rk)
    rids = set()
    for r in Rk:
        ln = r['_line']
        if not ID.match(r.get('id', '')) or r['id'] in rids:
            err(rpath, ln, 'id', 'bad or duplicate id')
        rids.add(r.get('id', ''))
        p = num(rpath, r, 'probability')
        if p is None or not 0 < p <= 1:
            err(rpath, ln, 'probability', 'need 0 < p <= 1')
        if r.get('currency', '') and r['currency'] not in cur:
            err(rpath, ln, 'currency', 'unknown currency')
        check_dist(rpath, r)
        if not YEXPR.match(r.get('year', '')):
            err(rpath, ln, 'year', 'bad year expression')
        elif yexpr(r['year'], marks0) < by:
            err(rpath, ln, 'year', 'before the base year')
        sl = num(rpath, r, 'slip', True)
        if sl is not None and sl < 0:
            err(rpath, ln, 'slip', 'need an integer >= 0')

    # Correlations: the normal-copula matrix must be positive semi-definite.
    nonfixed = [r['id'] for r in E if r.get('dist') != 'fixed']
    idx = {e: i for i, e in enumerate(nonfixed)}
    dc = scenario_number(scen, S, 'default_correlation', 0)
    n = len(nonfixed)
    M = [[1.0 if i == j else 2 * math.sin(math.pi * dc / 6) for j in range(n)] for i in range(n)]
    seen = set()
    crpath = os.path.join(mdir, 'correlations.csv')
    for r in CR:
        a, b_ = r.get('a', ''), r.get('b', '')
        if a not in ids or b_ not in ids or a == b_ or frozenset((a, b_)) in seen:
            err(crpath, r['_line'], 'a', 'unknown, self or repeated pair')
        seen.add(frozenset((a, b_)))
        rho = num(crpath, r, 'rho')
        if a in idx and b_ in idx and a != b_ and rho is not None:
            M[idx[a]][idx[b_]] = M[idx[b_]][idx[a]] = 2 * math.sin(math.pi * rho / 6)
    lam = eig_min(M)
    if lam < -1e-10:
        err(crpath, 0, 'rho', f'correlation matrix not positive semi-definite (lambda_min {lam:g})')
    fxc = [c for c in cur if cur[c]['fx'] in ('gbm', 'ou')]
    F = [[1.0 if i == j else 0.0 for j in range(len(fxc))] for i in range(len(fxc))]
    fxpath = os.path.join(mdir, 'fx_correlations.csv')
    for r in FX:
        if r.get('a') not in cur or r.get('b') not in cur:
            err(fxpath, r['_line'], 'a', 'unknown currency')
        elif r['a'] in fxc and r['b'] in fxc and r['a'] != r['b']:
            i, j = fxc.index(r['a']), fxc.index(r['b'])
            F[i][j] = F[j][i] = num(fxpath, r, 'rho') or 0.0

    print(f'# element copula matrix lambda_min = {lam:.6f}')
    print(f'# fx matrix {fxc} lambda_min = {eig_min(F):.6f}')
    print(f'# scenario {scen}: units {units}, deliveries (point slip {s}) {dl[0]}..{dl[-1]}, '
          f'end_of_service {marks["end_of_service"]}, report {rep}'
          + (f', schedule_target {target}: point run first delivery '
             f'{"meets" if dl[0] <= int(target) else "misses"} it' if target else ''))
    if '--md' in opts:
        print(f'| element | currency | basis | point-estimate formula | total, own currency (M) '
              f'| {base} (M) | {rep} (M) | cash-flow years (point run) |')
        print('|---|---|---|---|---:|---:|---:|---|')
        for ln in lines:
            print(f'| `{ln[0]}` | {ln[1]} | {ln[2]} | {ln[3]} | {ln[4]:,.6f} | {ln[5]:,.6f} '
                  f'| {ln[6]:,.6f} | {ln[7]} |')
        print(f'| **total** | | | | | **{sum(x[5] for x in lines):,.6f}** '
              f'| **{tot["constant"]:,.6f}** | |')
    if '--detail' in opts:
        for ln in lines:
            print(f'{ln[0]:22s} {ln[1]:4s} {ln[2]:14s} {ln[4]:22.6f} {base} {ln[5]:16.6f} '
                  f'{rep} {ln[6]:20.6f}  {ln[7]}  {ln[3]}')
    for ph, v in phases.items():
        print(f'  phase {ph:15s} constant {v[0]:.6f}  nominal {v[1]:.6f}  pv {v[2]:.6f}  ({rep})')
    print(f"point estimate in {rep}: constant {tot['constant']!r}  nominal {tot['nominal']!r}  "
          f"pv {tot['pv']!r}")
    if errors:
        print('ERRORS:')
        for e in errors:
            print(' ', e)
        return 1
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv))
    except Fatal:
        for e in errors:
            sys.stderr.write(e + '\n')
        sys.exit(1)
    except (ArithmeticError, ValueError, OSError) as e:
        for x in errors:
            sys.stderr.write(x + '\n')
        sys.stderr.write(f'cannot compute the point estimate: {e}\n')
        sys.exit(1)
