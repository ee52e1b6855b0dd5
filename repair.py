import math, numpy as np, json, itertools, subprocess
from mc import *
from scipy import stats
N=200000
B={'base_year':'2026','base_currency':'CAD'}
def E(id, dist, lo='', li='', hi=''):
    return dict(id=id,name=id,phase=id,currency='CAD',basis='once',dist=dist,low=str(lo),likely=str(li),high=str(hi),start='2027',end='2027')
def higham(A, iters=10000, tol=1e-14):
    Y=A.copy(); dS=np.zeros_like(A)
    for _ in range(iters):
        Rk=Y-dS
        w,v=np.linalg.eigh(Rk); X=(v*np.maximum(w,0))@v.T
        dS=X-Rk
        Yn=X.copy(); np.fill_diagonal(Yn,1)
        if np.linalg.norm(Yn-Y)<tol: Y=Yn; break
        Y=Yn
    return Y
els=[E('a','uniform',0,'',1),E('b','pert',0,3,10),E('c','normal',0,'',1),E('d','lognormal',1,'',5)]
corr=[('a','b',0.9),('b','c',0.9),('a','c',-0.6),('c','d',0.3)]
ids=[e['id'] for e in els]
rho=np.eye(4)
for a,b,r in corr: i,j=ids.index(a),ids.index(b); rho[i,j]=rho[j,i]=r
R=2*np.sin(np.pi*rho/6)
print('min eig', np.linalg.eigvalsh(R).min())
Rr=higham(R)
rho_r=6/np.pi*np.arcsin(Rr/2)
print('expected max change (Spearman) %.6f'%np.abs(rho_r-rho).max())
m=dict(scen=dict(B,correlation_repair='yes'),sets={},elements=els,risks=[],currencies=[],correlations=corr)
d='/tmp/audit-mc/runs/repair'; write_model(d,m)
p=subprocess.run([COSTSIM,'run','s.csv','--trials',str(N),'--seed','9','--format','json','--out','out','-q','--threads','2','--trials-out','--no-drivers'],cwd=d,capture_output=True,text=True)
print('exit',p.returncode,p.stderr.strip()[:400])
js=json.loads(p.stdout)
def find(o,k):
    if isinstance(o,dict):
        for kk,v in o.items():
            if kk==k: return v
            r=find(v,k)
            if r is not None: return r
    return None
print('costsim correlation_repair_max_change', find(js,'correlation_repair_max_change'))
tr=read_trials(d+'/out/trials.csv')
for i,j in itertools.combinations(range(4),2):
    rs=stats.spearmanr(tr['nominal.'+ids[i]],tr['nominal.'+ids[j]]).correlation
    print('  %s-%s measured %.4f repaired-target %.4f original %.2f %s'%(ids[i],ids[j],rs,rho_r[i,j],rho[i,j],'<<<' if abs(rs-rho_r[i,j])>0.01 else ''))
