import type { SourceKey } from '@kiln/weights';

/**
 * PyTorch names of Kiln zoo weights: torchvision's resnet18/34 and mobilenet_v2, timm's
 * vit_tiny_patch16 (its blocks, norms and head; Kiln's ViT has no class token and a conv positional
 * encoding, so those keys do not map). `undefined` = no PyTorch counterpart.
 */
export type TorchNameMap = (weight: string, rank: number) => SourceKey | undefined;

/** Kiln parameter name → PyTorch's, with the layout the values need. */
function param(pyLayer: string, kilnParam: string, rank: number): SourceKey | undefined {
  switch (kilnParam) {
    case 'kernel':
      return { key: `${pyLayer}.weight`, layout: rank === 4 ? 'conv' : 'dense' };
    case 'depthwise_kernel':
      return { key: `${pyLayer}.weight`, layout: 'depthwise' };
    case 'bias':
    case 'beta':
      return { key: `${pyLayer}.bias`, layout: 'same' };
    case 'gamma':
      return { key: `${pyLayer}.weight`, layout: 'same' };
    case 'moving_mean':
      return { key: `${pyLayer}.running_mean`, layout: 'same' };
    case 'moving_variance':
      return { key: `${pyLayer}.running_var`, layout: 'same' };
    case 'qkv_kernel':
      return { key: `${pyLayer}.qkv.weight`, layout: 'dense' };
    case 'qkv_bias':
      return { key: `${pyLayer}.qkv.bias`, layout: 'same' };
    case 'out_kernel':
      return { key: `${pyLayer}.proj.weight`, layout: 'dense' };
    case 'out_bias':
      return { key: `${pyLayer}.proj.bias`, layout: 'same' };
    default:
      return undefined;
  }
}

function byLayer(layerName: (kilnLayer: string) => string | undefined): TorchNameMap {
  return (weight, rank) => {
    const slash = weight.lastIndexOf('/');
    const py = layerName(weight.slice(0, slash));
    return py === undefined ? undefined : param(py, weight.slice(slash + 1), rank);
  };
}

const RESNET_PARTS: Record<string, string> = { conv1: 'conv1', bn1: 'bn1', conv2: 'conv2', bn2: 'bn2', proj: 'downsample.0', proj_bn: 'downsample.1' };

/** torchvision.models.resnet18/34: conv1, bn1, layer{1-4}.{i}.{conv1,bn1,conv2,bn2,downsample.0/1}, fc. */
export const resnetTorchNames: TorchNameMap = byLayer((layer) => {
  if (layer === 'stem_conv') return 'conv1';
  if (layer === 'stem_bn') return 'bn1';
  if (layer === 'logits') return 'fc';
  const m = /^stage(\d)_block(\d+)_(conv1|bn1|conv2|bn2|proj|proj_bn)$/.exec(layer);
  return m ? `layer${m[1]}.${Number(m[2]) - 1}.${RESNET_PARTS[m[3]]}` : undefined;
});

/**
 * torchvision.models.mobilenet_v2: features.0 (stem conv/bn), features.1 (t=1: conv.0.{0,1} depthwise,
 * conv.1 project, conv.2 bn), features.2-17 (conv.0 expand, conv.1 depthwise, conv.2 project, conv.3 bn),
 * features.18 (1×1 head conv/bn), classifier.1.
 */
export const mobilenetV2TorchNames: TorchNameMap = byLayer((layer) => {
  const fixed: Record<string, string> = { stem_conv: 'features.0.0', stem_bn: 'features.0.1', head_conv: 'features.18.0', head_bn: 'features.18.1', logits: 'classifier.1' };
  if (fixed[layer]) return fixed[layer];
  const m = /^block(\d+)_(expand|expand_bn|depthwise|depthwise_bn|project|project_bn)$/.exec(layer);
  if (!m) return undefined;
  const i = Number(m[1]);
  const parts: Record<string, string> =
    i === 1
      ? { depthwise: 'conv.0.0', depthwise_bn: 'conv.0.1', project: 'conv.1', project_bn: 'conv.2' }
      : { expand: 'conv.0.0', expand_bn: 'conv.0.1', depthwise: 'conv.1.0', depthwise_bn: 'conv.1.1', project: 'conv.2', project_bn: 'conv.3' };
  return parts[m[2]] === undefined ? undefined : `features.${i}.${parts[m[2]]}`;
});

/** timm vit_tiny_patch16_*: patch_embed.proj, blocks.{i}.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}, norm, head. */
export const vitTinyTorchNames: TorchNameMap = byLayer((layer) => {
  if (layer === 'patch_embed') return 'patch_embed.proj';
  if (layer === 'final_norm') return 'norm';
  if (layer === 'logits') return 'head';
  const m = /^block(\d+)_(norm1|attn|norm2|mlp1|mlp2)$/.exec(layer);
  if (!m) return undefined;
  const part: Record<string, string> = { norm1: 'norm1', attn: 'attn', norm2: 'norm2', mlp1: 'mlp.fc1', mlp2: 'mlp.fc2' };
  return `blocks.${Number(m[1]) - 1}.${part[m[2]]}`;
});

/** The PyTorch name map of a zoo model type, when it has one. */
export const TORCH_NAME_MAPS: Record<string, TorchNameMap> = {
  resnet: resnetTorchNames,
  mobilenet_v2: mobilenetV2TorchNames,
  vit_tiny: vitTinyTorchNames,
};
