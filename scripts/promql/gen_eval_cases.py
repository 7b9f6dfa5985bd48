#!/usr/bin/env python3
"""Random, well-typed PromQL expressions over the series of the engine tests.

usage: gen_eval_cases.py SEED COUNT > cases.txt   (lines "<t seconds>\t<expr>")
Feed the output to eval_oracle.py to record Prometheus's answers.
"""
import random, sys
random.seed(int(sys.argv[1]))
sels = ['node_load1', 'http_requests_total{job="api"}', 'http_requests_total', 'cnt', 'dup', 'one', 'gnan', 'ginf',
        'node_uname_info', 'sparse', 'node_memory_MemAvailable_bytes', 'http_requests_total{code=~"2.."}', 'cnt{i!="2"}']
vfun = ['abs','ceil','floor','sqrt','exp','ln','log2','log10','sgn','timestamp','sort','sort_desc','deg','rad','cos','sin','tanh','asinh','month','hour','day_of_week','year','days_in_month','absent']
mfun = ['rate','irate','increase','delta','idelta','deriv','changes','resets','avg_over_time','min_over_time','max_over_time','sum_over_time','count_over_time','stddev_over_time','stdvar_over_time','last_over_time','present_over_time','absent_over_time']
aggs = ['sum','avg','min','max','count','group','stddev','stdvar']
ops = ['+','-','*','/','%','^','==','!=','>','<','>=','<=','atan2']
labels = ['instance','job','code','a','b','i','le','nodename']
def S(d):
    r = random.random()
    if d > 2 or r < 0.5: return random.choice(['1','2','0.5','-1','0','3','10','NaN','Inf'])
    if r < 0.7: return 'scalar(%s)' % V(d+1)
    if r < 0.8: return 'time()'
    return '(%s %s %s)' % (S(d+1), random.choice(['+','-','*','/']), S(d+1))
def M():
    s = random.choice(sels) + '[' + random.choice(['1m','2m','3m','4m','5m','10m','90s']) + ']'
    if random.random() < 0.2: s += ' offset ' + random.choice(['1m','2m','5m'])
    return s
def grouping():
    return '(' + ', '.join(random.sample(labels, random.randint(0,2))) + ')'
def V(d=0):
    r = random.random()
    if d > 2 or r < 0.25:
        s = random.choice(sels)
        if random.random() < 0.1: s += ' offset ' + random.choice(['1m','3m'])
        return s
    if r < 0.4: return '%s(%s)' % (random.choice(vfun), V(d+1))
    if r < 0.6: return '%s(%s)' % (random.choice(mfun), M())
    if r < 0.65: return 'quantile_over_time(%s, %s)' % (random.choice(['0.5','0.9','0','1']), M())
    if r < 0.67: return 'predict_linear(%s, %s)' % (M(), random.choice(['60','600']))
    if r < 0.69: return 'holt_winters(%s, 0.3, 0.6)' % M()
    if r < 0.78:
        a = random.choice(aggs + ['topk','bottomk','quantile','count_values'])
        mod = random.choice(['', ' by ' + grouping(), ' without ' + grouping()])
        if a in ('topk','bottomk'): return '%s%s(%s, %s)' % (a, mod, random.choice(['1','2','3']), V(d+1))
        if a == 'quantile': return '%s%s(%s, %s)' % (a, mod, random.choice(['0.5','0.9','0','1']), V(d+1))
        if a == 'count_values': return '%s%s("v", %s)' % (a, mod, V(d+1))
        return '%s%s(%s)' % (a, mod, V(d+1))
    if r < 0.86:
        op = random.choice(ops)
        b = ' bool' if op in ('==','!=','>','<','>=','<=') and random.random() < 0.4 else ''
        if random.random() < 0.5: return '%s %s%s %s' % (V(d+1), op, b, S(d+1))
        return '%s %s%s %s' % (S(d+1), op, b, V(d+1))
    if r < 0.95:
        op = random.choice(ops + ['and','or','unless'])
        m = ''
        if random.random() < 0.6:
            m = ' ' + random.choice(['on','ignoring']) + grouping()
            if op not in ('and','or','unless') and random.random() < 0.4:
                m += ' ' + random.choice(['group_left','group_right']) + random.choice(['', grouping()])
        b = ' bool' if op in ('==','!=','>','<','>=','<=') and random.random() < 0.4 else ''
        return '%s %s%s%s %s' % (V(d+1), op, b, m, V(d+1))
    if r < 0.97: return 'clamp(%s, %s, %s)' % (V(d+1), random.choice(['0','1']), random.choice(['2','5']))
    if r < 0.98: return 'round(%s, %s)' % (V(d+1), random.choice(['0.5','2']))
    return 'histogram_quantile(%s, %s)' % (random.choice(['0.5','0.9']), random.choice(['req_duration_bucket','hist_bucket','rate(req_duration_bucket[5m])','hist4_bucket']))
for i in range(int(sys.argv[2])):
    print('%d\t%s' % (random.choice([60,240,300,600,900,1200]), '(' + V() + ')'))
