#!/usr/bin/env python3
"""Small torchvision-layout networks with their eval logits, for the parity tests of model.pretrained
(run from packages/models with torch + torchvision; the tests do not need them). Also importable:
`write(model, x, path_weights, path_ref)` is used by the optional full-size resnet18 test.

  resnet18_w16.pth          torchvision's ResNet/BasicBlock code with every width / 16 (4, 8, 16, 32)
                            and 5 classes: torch.save(state_dict), float32
  resnet18_w16.ref.safetensors  input [2, 40, 40, 3] (NHWC) and its eval logits [2, 5]
  resnet18_w16.onnx         the same network as ONNX (torch.onnx.export, parameter names kept)
  mobilenet_v2_w025.safetensors torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=3), F16
  mobilenet_v2_w025.ref.safetensors input [2, 48, 48, 3] and the logits of the F16-rounded weights
  torchvision_keys.json      every state_dict key and shape of the full-size resnet18, resnet34 and
                            mobilenet_v2 at 10 classes (the name maps are checked against them)
BatchNorm statistics and affine parameters are randomised so the parity covers them.
"""
import copy, json, os, struct, sys
import torch
import torch.nn as nn
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet

OUT = 'src/__fixtures__/torchvision'


class NarrowResNet(ResNet):
    """torchvision's ResNet with narrower stages (its __init__ hard-codes 64…512); same blocks and forward."""

    def __init__(self, widths, layers, num_classes):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = widths[0], 1, 1, 64
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(BasicBlock, widths[0], layers[0])
        self.layer2 = self._make_layer(BasicBlock, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(BasicBlock, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(BasicBlock, widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3], num_classes)


def randomize_bn(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
            m.num_batches_tracked += 3


DT = {torch.float32: 'F32', torch.float16: 'F16', torch.int64: 'I64'}


def safetensors(tensors, path):
    header, blobs, off = {}, [], 0
    for k, v in tensors.items():
        b = v.detach().contiguous().numpy().tobytes()
        header[k] = {'dtype': DT[v.dtype], 'shape': list(v.shape), 'data_offsets': [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def reference(model, x, path):
    with torch.no_grad():
        logits = model.eval()(x)
    safetensors({'input': x.permute(0, 2, 3, 1).contiguous(), 'logits': logits}, path)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    if len(sys.argv) == 3:  # full-size resnet18 for the optional test: <dir> <classes>
        out, classes = sys.argv[1], int(sys.argv[2])
        net = torchvision.models.resnet18(num_classes=classes)
        randomize_bn(net)
        torch.save(net.state_dict(), f'{out}/resnet18.pth')
        reference(net, torch.randn(2, 3, 64, 64), f'{out}/resnet18.ref.safetensors')
        sys.exit(0)

    net = NarrowResNet([4, 8, 16, 32], [2, 2, 2, 2], 5)
    randomize_bn(net)
    torch.save(net.state_dict(), f'{OUT}/resnet18_w16.pth')
    reference(net, torch.randn(2, 3, 40, 40), f'{OUT}/resnet18_w16.ref.safetensors')
    # ONNX keeps the parameter names (and BN separate) only when exported in training mode. That export
    # runs a training-mode forward, which would move the BN statistics: a copy with momentum 0 keeps them.
    frozen = copy.deepcopy(net)
    for m in frozen.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.0
    torch.onnx.export(frozen, torch.zeros(1, 3, 40, 40), f'{OUT}/resnet18_w16.onnx',
                      do_constant_folding=False, training=torch.onnx.TrainingMode.TRAINING)

    mob = torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=3)
    randomize_bn(mob)
    half = {k: (v.half() if v.dtype == torch.float32 else v) for k, v in mob.state_dict().items()}
    safetensors(half, f'{OUT}/mobilenet_v2_w025.safetensors')
    mob.load_state_dict({k: (v.float() if v.dtype == torch.float16 else v) for k, v in half.items()})
    reference(mob, torch.randn(2, 3, 48, 48), f'{OUT}/mobilenet_v2_w025.ref.safetensors')

    keys = {name: {k: list(v.shape) for k, v in getattr(torchvision.models, name)(num_classes=10).state_dict().items()}
            for name in ['resnet18', 'resnet34', 'mobilenet_v2']}
    with open(f'{OUT}/torchvision_keys.json', 'w') as f:
        json.dump(keys, f)
