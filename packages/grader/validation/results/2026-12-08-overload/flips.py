# Per-check verdict changes between two `grader validate --json` reports (before, after).
import json, sys, collections
def load(paths):
    out = {}
    for p in paths:
        d = json.load(open(p))
        rep = d['repeat']
        for t in d['targets']:
            fails = collections.Counter(f['id'] for f in t['failed'])
            out[t['target']] = (rep, fails, t['score'], t['met'])
    return out
before = load(sys.argv[1].split(','))
after = load(sys.argv[2].split(','))
print('| target | check | failed before | failed after |')
print('| --- | --- | --- | --- |')
n = 0
for target in sorted(before):
    if target not in after: continue
    rb, fb, _, _ = before[target]; ra, fa, _, _ = after[target]
    for check in sorted(set(fb) | set(fa)):
        if fb.get(check, 0) != fa.get(check, 0):
            n += 1
            print(f'| {target} | {check} | {fb.get(check,0)}/{rb} | {fa.get(check,0)}/{ra} |')
print(f'\n{n} flip(s) over {len([t for t in before if t in after])} targets')
for target in sorted(before):
    if target in after:
        print(f'- {target}: score {before[target][2]:.3f} -> {after[target][2]:.3f}, met {before[target][3]} -> {after[target][3]}')
