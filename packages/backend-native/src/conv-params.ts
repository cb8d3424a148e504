import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * Packs a tfjs Conv2DInfo into the Int32Array the addon reads:
 * N IH IW IC OH OW OC KH KW SH SW DH DW PT PL PB PR G ACT HASBIAS.
 * Bottom/right padding are recomputed so oneDNN's shape equation holds
 * exactly (tfjs may report extra padding that is never read).
 */
export function convParams(
  info: backend_util.Conv2DInfo,
  groups: number,
  act = 0,
  hasBias = false,
): Int32Array {
  const padBottom = (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight - info.inHeight - info.padInfo.top;
  const padRight = (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth - info.inWidth - info.padInfo.left;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left, padBottom, padRight,
    groups, act, hasBias ? 1 : 0,
  ]);
}

/** True when the conv is expressible for oneDNN (NHWC, sane sizes). */
export function convSupported(info: backend_util.Conv2DInfo): boolean {
  return info.dataFormat === 'channelsLast' && info.outHeight > 0 && info.outWidth > 0 &&
    Number.isInteger(info.outHeight) && Number.isInteger(info.outWidth) &&
    info.batchSize > 0 && info.inChannels > 0 && info.outChannels > 0;
}

/**
 * Pool params: N IH IW C OH OW KH KW SH SW PT PL.
 */
export function poolParams(info: backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.effectiveFilterHeight, info.effectiveFilterWidth,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  ]);
}
