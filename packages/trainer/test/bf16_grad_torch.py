# How far PyTorch 1.13's own CPU bf16 autocast moves the gradients of the net in precision.test.ts
# (relative L2 error vs fp32, conv weight and dense weight, 5 seeds): the tolerances there come from this.
# Run: OMP_NUM_THREADS=1 /usr/bin/python3 test/bf16_grad_torch.py  → conv 0.034–0.068, dense ~0.0045
import torch
torch.manual_seed(0)
errs=[]
for seed in range(5):
    torch.manual_seed(seed)
    conv=torch.nn.Conv2d(3,8,3,padding=1); fc=torch.nn.Linear(8*8*8,3)
    x=torch.randn(16,3,8,8); y=torch.zeros(16,dtype=torch.long)
    def g(auto):
        conv.zero_grad(); fc.zero_grad()
        with torch.cpu.amp.autocast(enabled=auto,dtype=torch.bfloat16):
            out=fc(torch.relu(conv(x)).flatten(1))
        torch.nn.functional.cross_entropy(out.float(),y).backward()
        return conv.weight.grad.clone(), fc.weight.grad.clone()
    a=g(False); b=g(True)
    errs.append([float((b[i]-a[i]).norm()/a[i].norm()) for i in range(2)])
print(errs)
