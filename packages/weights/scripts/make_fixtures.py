#!/usr/bin/env python3
"""Writes the small weight files src/__fixtures__ holds (run from packages/weights with torch installed):

  tiny.pth           torch.save(state_dict) (zip format): a conv, a BN (with num_batches_tracked), a linear,
                     an F16, a BF16, an I64 tensor and a transposed (non-contiguous) view
  tiny.safetensors   the same tensors (contiguous), written by hand in the safetensors layout
  tiny.expected.json every tensor's shape, dtype and values as float lists (what the readers must return)
  legacy.pth         torch.save(..., _use_new_zipfile_serialization=False): must be refused clearly
  evil.pth           a state_dict that also pickles builtins.print: must be refused by name
  tiny.onnx          torch.onnx.export of a conv + linear net; tiny.onnx.expected.json its parameters
"""
import collections, json, os, struct
import torch

torch.manual_seed(0)
out = 'src/__fixtures__'
os.makedirs(out, exist_ok=True)

bn = torch.nn.BatchNorm2d(3)
bn.running_mean.uniform_(-1, 1)
bn.running_var.uniform_(0.5, 2)
bn.num_batches_tracked += 7
sd = collections.OrderedDict()
sd['conv.weight'] = torch.randn(4, 3, 3, 3)
sd['conv.bias'] = torch.randn(4)
for k, v in bn.state_dict().items():
    sd['bn.' + k] = v
sd['fc.weight'] = torch.randn(5, 4)
sd['half'] = torch.randn(2, 3).half()
sd['bhalf'] = torch.randn(3).bfloat16()
sd['ids'] = torch.tensor([[1, -2], [3, 2**40]], dtype=torch.int64)
sd['transposed'] = torch.arange(6, dtype=torch.float32).reshape(2, 3).t()  # stride (1, 3)
sd['param'] = torch.nn.Parameter(torch.randn(2))  # pickled through _rebuild_parameter
torch.save(sd, f'{out}/tiny.pth')

DT = {torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64'}
def values(t):
    return t.detach().float().reshape(-1).tolist() if t.dtype != torch.int64 else t.reshape(-1).tolist()
expected = {k: {'shape': list(v.shape), 'dtype': DT[v.dtype], 'values': values(v)} for k, v in sd.items()}
with open(f'{out}/tiny.expected.json', 'w') as f:
    json.dump(expected, f)

def to_bytes(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()
header, blobs, off = {'__metadata__': {'format': 'pt'}}, [], 0
for k, v in sd.items():
    b = to_bytes(v)
    header[k] = {'dtype': DT[v.dtype], 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
    blobs.append(b)
    off += len(b)
h = json.dumps(header).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
with open(f'{out}/tiny.safetensors', 'wb') as f:
    f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))

small = collections.OrderedDict(w=torch.ones(2))
torch.save(small, f'{out}/legacy.pth', _use_new_zipfile_serialization=False)
torch.save({'w': torch.ones(2), 'hook': print}, f'{out}/evil.pth')

net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.Flatten(), torch.nn.Linear(3 * 2 * 2, 2)).eval()
torch.onnx.export(net, torch.zeros(1, 2, 4, 4), f'{out}/tiny.onnx', do_constant_folding=False)
with open(f'{out}/tiny.onnx.expected.json', 'w') as f:
    json.dump({k: {'shape': list(v.shape), 'values': values(v)} for k, v in net.state_dict().items()}, f)
