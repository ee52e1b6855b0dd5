#!/usr/bin/env python3
"""Point-estimate hand calculation and light SPEC validation for costsim
CPSP models/scenarios. Usage: python3 models/point_estimate.py SCENARIO.csv [--detail|--md]
Independent of the C code: the numbers pinned in tests/test_cpsp.c come from here."""
import csv, math, os, re, sys

NUM = re.compile(r'^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$')
ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]*$')
CUR = re.compile(r'^[A-Z]{3}$')
YEXPR = re.compile(r'^(\d{4}|(first_delivery|last_delivery|end_of_service)([+-]\d+)?)$')
errors = []

def err(path, line, col, msg):
    errors.append(f"{path}:{line}:{col}: {msg}")

def read(path, cols):
    rows = []
    with open(path, newline='', encoding='utf-8-sig') as f:
        data = f.read()
    # physical line tracking: simple, our files have no embedded newlines
    header = None
    for lineno, rec in enumerate(csv.reader(data.splitlines()), 1):
        if not rec or all(not c.strip() for c in rec):
            continue
        if rec[0].strip().startswith('#'):
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
            err(path, lineno, len(header)+1, 'extra field')
        d = {h: (rec[i] if i < len(rec) else '') for i, h in enumerate(header)}
        d['_line'] = lineno
        rows.append(d)
    return rows

def num(path, r, col, integer=False):
    v = r.get(col, '')
    if v == '':
        return None
    if not NUM.match(v):
        err(path, r['_line'], col, f'bad number {v!r}')
        return None
    x = float(v)
    if integer and x != int(x):
        err(path, r['_line'], col, 'not an integer')
    return x

def check_dist(path, r, prefix=''):
    d = r.get(prefix + 'dist', '') or ('fixed' if prefix else '')
    lo, li, hi = (num(path, r, prefix + c) for c in ('low', 'likely', 'high'))
    ln = r['_line']
    need = {'fixed': ('l',), 'uniform': ('lo', 'hi'), 'triangular': ('lo', 'l', 'hi'),
            'pert': ('lo', 'l', 'hi'), 'normal': ('lo', 'hi'), 'lognormal': ('lo', 'hi')}
    if d not in need:
        err(path, ln, prefix + 'dist', f'bad dist {d!r}'); return None
    if d == 'fixed':
        if lo is not None or hi is not None: err(path, ln, prefix + 'low', 'fixed takes likely only')
        if li is None: err(path, ln, prefix + 'likely', 'missing')
        return d, lo, li, hi
    if lo is None or hi is None or not lo < hi:
        err(path, ln, prefix + 'low', 'need low < high'); return None
    if d in ('triangular', 'pert'):
        if li is None or not lo <= li <= hi: err(path, ln, prefix + 'likely', 'need low<=likely<=high')
    if d == 'lognormal' and lo <= 0: err(path, ln, prefix + 'low', 'lognormal low > 0')
    if d == 'uniform' and li is not None and not lo <= li <= hi: err(path, ln, prefix+'likely', 'range')
    return d, lo, li, hi

def point(dd):
    d, lo, li, hi = dd
    if li is not None: return li
    if d == 'uniform': return (lo + hi) / 2
    if d == 'normal': return (lo + hi) / 2
    if d == 'lognormal': return math.exp((math.log(lo) + math.log(hi)) / 2)
    raise ValueError

def round_half_away(x):
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)

def yexpr(s, mk):
    m = re.match(r'^(first_delivery|last_delivery|end_of_service)([+-]\d+)?$', s)
    if not m: return int(s)
    return mk[m.group(1)] + (int(m.group(2)) if m.group(2) else 0)

def eig_min(M):
    # Jacobi eigenvalues for symmetric matrix
    n = len(M); A = [row[:] for row in M]
    for _ in range(200):
        off = max((abs(A[i][j]), i, j) for i in range(n) for j in range(n) if i != j) if n > 1 else (0, 0, 0)
        if off[0] < 1e-14: break
        _, p, q = off
        th = 0.5 * math.atan2(2 * A[p][q], A[q][q] - A[p][p])
        c, s = math.cos(th), math.sin(th)
        for k in range(n):
            akp, akq = A[k][p], A[k][q]
            A[k][p] = c * akp - s * akq; A[k][q] = s * akp + c * akq
        for k in range(n):
            apk, aqk = A[p][k], A[q][k]
            A[p][k] = c * apk - s * aqk; A[q][k] = s * apk + c * aqk
    return min(A[i][i] for i in range(n))

def main():
    scen = sys.argv[1]
    detail = '--detail' in sys.argv
    S = {}
    for r in read(scen, {'key', 'value'}):
        if r['key'] in S: err(scen, r['_line'], 'key', 'duplicate key')
        S[r['key']] = r['value']
    mdir = os.path.normpath(os.path.join(os.path.dirname(scen), S['model']))
    E = read(os.path.join(mdir, 'elements.csv'), {'id','name','phase','currency','basis','dist','low','likely','high','start','end','profile','learning','notes','stream'})
    C = read(os.path.join(mdir, 'currencies.csv'), {'currency','rate','fx_model','drift','volatility','reversion','hedge_ratio','hedge_rate','inflation.dist','inflation.low','inflation.likely','inflation.high','notes'})
    Rk = read(os.path.join(mdir, 'risks.csv'), {'id','name','probability','phase','currency','dist','low','likely','high','year','slip','notes','stream'})
    CR = read(os.path.join(mdir, 'correlations.csv'), {'a','b','rho'})
    FX = read(os.path.join(mdir, 'fx_correlations.csv'), {'a','b','rho'})
    # apply overrides
    known = {'name','model','trials','seed','base_year','base_currency','report_currency','discount_rate','units','first_delivery','delivery_interval','build_years','service_life','slip.dist','slip.low','slip.likely','slip.high','default_correlation','correlation_repair','budget','slip.stream'}
    tables = {'element': (E, 'id'), 'risk': (Rk, 'id'), 'currency': (C, 'currency')}
    escale = {}; pscale = {}
    for k, v in S.items():
        if k in known: continue
        parts = k.split('.', 2)
        if parts[0] == 'phase' and len(parts) == 2 and parts[1].endswith(''):
            pass
        if parts[0] == 'phase' and k.endswith('.scale'):
            pscale[k[len('phase.'):-len('.scale')]] = float(v); continue
        if parts[0] == 'element' and k.endswith('.scale'):
            escale[k[len('element.'):-len('.scale')]] = float(v); continue
        if parts[0] in tables and len(parts) == 3:
            rows, kc = tables[parts[0]]
            hit = [r for r in rows if r[kc] == parts[1]]
            if not hit: errors.append(f'{scen}: override {k}: no such row'); continue
            hit[0][parts[2]] = v; continue
        errors.append(f'{scen}: unknown key {k}')
    by = int(S['base_year']); base = S['base_currency']; rep = S.get('report_currency', base)
    units = int(S.get('units', 1)); fd = int(S['first_delivery'])
    m = round(float(S.get('delivery_interval', 1)) * 1000)
    bld = int(S.get('build_years', 1)); life = int(S.get('service_life', 1))
    dr = float(S.get('discount_rate', 0))
    slipd = (S.get('slip.dist', 'fixed'), *(float(S[x]) if S.get(x, '') != '' else None for x in ('slip.low', 'slip.likely', 'slip.high')))
    s = max(0, round_half_away(point(slipd)))
    def sched(sl):
        dl = [fd + sl + ((k - 1) * m) // 1000 for k in range(1, units + 1)]
        return dl, {'first_delivery': dl[0], 'last_delivery': dl[-1], 'end_of_service': dl[-1] + life - 1}
    # currencies
    cur = {}
    cpath = os.path.join(mdir, 'currencies.csv')
    for r in C:
        c = r['currency']
        if not CUR.match(c): err(cpath, r['_line'], 'currency', 'bad code')
        rate = num(cpath, r, 'rate'); fxm = r.get('fx_model', '') or 'fixed'
        for col, used in (('drift', fxm == 'gbm'), ('volatility', fxm in ('gbm', 'ou')), ('reversion', fxm == 'ou')):
            if not used and fxm != 'fixed' and r.get(col, ''): err(cpath, r['_line'], col, f'not used by {fxm}')
        if c == base: rate = 1.0 if rate is None else rate
        infl = check_dist(cpath, r, 'inflation.') or ('fixed', None, 0.0, None)
        drift = num(cpath, r, 'drift') or 0.0
        cur[c] = dict(rate=rate, fx=fxm, drift=drift if fxm == 'gbm' else 0.0, infl=point(infl) if infl[2] is not None or infl[0] != 'fixed' else 0.0,
                      h=num(cpath, r, 'hedge_ratio') or 0.0, hr=num(cpath, r, 'hedge_rate'))
    if base not in cur: cur[base] = dict(rate=1.0, fx='fixed', drift=0.0, infl=0.0, h=0.0, hr=None)
    def spot(c, y):
        cc = cur[c]; return cc['rate'] * (math.exp(cc['drift'] * (y - by)) if cc['fx'] == 'gbm' else 1.0)
    def conv(c, y):
        cc = cur[c]; hr = cc['hr'] if cc['hr'] is not None else cc['rate']
        return cc['h'] * hr + (1 - cc['h']) * spot(c, y)
    rep_rate = cur[rep]['rate']
    dl, mk = sched(s)
    dl0, mk0 = sched(0)
    epath = os.path.join(mdir, 'elements.csv')
    tot = dict(constant=0.0, nominal=0.0, pv=0.0)
    phases = {}
    lines = []
    ids = set()
    for r in E:
        ln = r['_line']
        if not ID.match(r['id']) or r['id'] in ids: err(epath, ln, 'id', 'bad/dup id')
        ids.add(r['id'])
        if r['currency'] not in cur: err(epath, ln, 'currency', 'unknown currency')
        dd = check_dist(epath, r)
        b = r['basis']
        if b in ('once', 'per_year'):
            for col in ('start', 'end'):
                if not YEXPR.match(r.get(col, '')): err(epath, ln, col, 'bad year expr')
        else:
            for col in ('start', 'end'):
                if r.get(col, ''): err(epath, ln, col, 'must be empty for ' + b)
        if r.get('profile', '') and b != 'once': err(epath, ln, 'profile', 'once only')
        if r.get('learning', '') and b != 'per_unit': err(epath, ln, 'learning', 'per_unit only')
        if dd is None: continue
        A = point(dd) * escale.get(r['id'], 1.0) * pscale.get(r['phase'], 1.0)
        flows = {}
        def add(y, a): flows[y] = flows.get(y, 0.0) + a
        if b == 'once':
            y0, y1 = yexpr(r['start'], mk), yexpr(r['end'], mk); n = y1 - y0 + 1
            if yexpr(r['start'], mk0) < by or yexpr(r['start'], mk0) > yexpr(r['end'], mk0): err(epath, ln, 'start', 'before base year or start>end')
            prof = r.get('profile', '') or 'flat'
            w = [1.0] * n if prof == 'flat' else ([n - i for i in range(n)] if prof == 'front' else [i + 1 for i in range(n)])
            sw = sum(w)
            for i in range(n): add(y0 + i, A * w[i] / sw)
            mult = 1.0; formula = f'{point(dd):g}'
        elif b == 'per_year':
            y0, y1 = yexpr(r['start'], mk), yexpr(r['end'], mk)
            if yexpr(r['start'], mk0) < by: err(epath, ln, 'start', 'before base year')
            for y in range(y0, y1 + 1): add(y, A)
            mult = y1 - y0 + 1; formula = f'{point(dd):g} x {mult} yr ({y0}-{y1})'
        elif b == 'per_unit':
            L = float(r['learning']) if r.get('learning', '') else 1.0
            bb = math.log2(L)
            sk = sum(k ** bb for k in range(1, units + 1))
            for k in range(1, units + 1):
                uc = A * k ** bb
                for y in range(dl[k - 1] - bld, dl[k - 1]): add(y, uc / bld)
                if dl0[k - 1] - bld < by: err(epath, ln, 'basis', 'build before base year')
            mult = sk; formula = f'{point(dd):g} x sum k^log2({L:g}) = {sk:.10f}'
        elif b == 'per_unit_year':
            for k in range(1, units + 1):
                for y in range(dl[k - 1], dl[k - 1] + life): add(y, A)
            mult = units * life; formula = f'{point(dd):g} x {units} x {life}'
        else:
            err(epath, ln, 'basis', 'bad basis'); continue
        c = r['currency']
        const_base = sum(flows.values()) * cur[c]['rate']
        const = const_base / rep_rate
        nom = sum(a * (1 + cur[c]['infl']) ** (y - by) * conv(c, y) / spot(rep, y) for y, a in flows.items())
        pv = sum(a * (1 + cur[c]['infl']) ** (y - by) * conv(c, y) / spot(rep, y) / (1 + dr) ** (y - by) for y, a in flows.items())
        tot['constant'] += const; tot['nominal'] += nom; tot['pv'] += pv
        ph = phases.setdefault(r['phase'], [0.0, 0.0, 0.0]); ph[0] += const; ph[1] += nom; ph[2] += pv
        lines.append((r['id'], r['phase'], c, b, formula, sum(flows.values()), const_base, const_base / cur['KRW']['rate'] if 'KRW' in cur else float('nan'), min(flows), max(flows)))
    # risks
    rpath = os.path.join(mdir, 'risks.csv')
    for r in Rk:
        ln = r['_line']
        p = num(rpath, r, 'probability')
        if p is None or not 0 < p <= 1: err(rpath, ln, 'probability', 'range')
        if r.get('currency', '') and r['currency'] not in cur: err(rpath, ln, 'currency', 'unknown')
        check_dist(rpath, r)
        if not YEXPR.match(r.get('year', '')): err(rpath, ln, 'year', 'bad year expr')
        elif yexpr(r['year'], mk0) < by: err(rpath, ln, 'year', 'before base year')
        if r.get('slip', ''): num(rpath, r, 'slip', True)
        if not ID.match(r['id']): err(rpath, ln, 'id', 'bad id')
    # correlations
    nonfixed = [r['id'] for r in E if r['dist'] != 'fixed']
    idx = {e: i for i, e in enumerate(nonfixed)}
    dc = float(S.get('default_correlation', 0))
    n = len(nonfixed)
    M = [[1.0 if i == j else 2 * math.sin(math.pi * dc / 6) for j in range(n)] for i in range(n)]
    seen = set()
    for r in CR:
        a, b_ = r['a'], r['b']
        if a not in ids or b_ not in ids or a == b_ or frozenset((a, b_)) in seen: err('correlations.csv', r['_line'], 'a', 'bad pair')
        seen.add(frozenset((a, b_)))
        if a in idx and b_ in idx:
            v = 2 * math.sin(math.pi * float(r['rho']) / 6); M[idx[a]][idx[b_]] = M[idx[b_]][idx[a]] = v
    print(f'# element copula matrix lambda_min = {eig_min(M):.6f}')
    fxc = [c for c in cur if cur[c]['fx'] in ('gbm', 'ou')]
    F = [[1.0 if i == j else 0.0 for j in range(len(fxc))] for i in range(len(fxc))]
    for r in FX:
        if r['a'] in fxc and r['b'] in fxc:
            i, j = fxc.index(r['a']), fxc.index(r['b']); F[i][j] = F[j][i] = float(r['rho'])
        elif r['a'] not in cur or r['b'] not in cur: err('fx_correlations.csv', r['_line'], 'a', 'unknown currency')
    print(f'# fx matrix {fxc} lambda_min = {eig_min(F):.6f}')
    print(f'# scenario {scen}: units {units}, deliveries (point slip {s}) {dl[0]}..{dl[-1]}, end_of_service {mk["end_of_service"]}, report {rep}')
    if '--md' in sys.argv:
        print('| element | currency | basis | point-estimate formula | total, own currency (M) | CAD (M) | KRW (M) | cash-flow years (point run) |')
        print('|---|---|---|---|---:|---:|---:|---|')
        for l in lines:
            print(f'| `{l[0]}` | {l[2]} | {l[3]} | {l[4]} | {l[5]:,.6f} | {l[6]:,.6f} | {l[7]:,.6f} | {l[8]}-{l[9]} |')
        tc = sum(l[6] for l in lines)
        print(f'| **total** | | | | | **{tc:,.6f}** | **{tc / cur["KRW"]["rate"]:,.6f}** | |')
    if detail:
        print(f'{"element":22s} {"cur":4s} {"basis":14s} {"base-yr total (own ccy, M)":>26s} {"CAD M":>16s} {"KRW M":>20s}  years  formula')
        for l in lines:
            print(f'{l[0]:22s} {l[2]:4s} {l[3]:14s} {l[5]:26.6f} {l[6]:16.6f} {l[7]:20.6f}  {l[8]}-{l[9]}  {l[4]}')
    ckrw = cur['KRW']['rate']
    tc = sum(l[6] for l in lines)
    print(f'constant total: CAD {tc:.6f} M = KRW {tc / ckrw:.6f} M ({tc / ckrw / 1e6:.4f} T KRW)')
    for ph, v in phases.items():
        print(f'  phase {ph:15s} constant {v[0]:.6f}  nominal {v[1]:.6f}  pv {v[2]:.6f}  ({rep})')
    print(f"point estimate in {rep}: constant {tot['constant']!r}  nominal {tot['nominal']!r}  pv {tot['pv']!r}")
    if errors:
        print('ERRORS:'); [print(' ', e) for e in errors]; sys.exit(1)

main()
