// Op codes shared by the C++ kernels and TypeScript (src/op-codes.ts mirrors
// this file; src/op-codes.test.ts parses it and fails on any difference).
#pragma once

namespace kiln {

// Fused activations of convolutions and matmuls.
enum Act { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeaky = 3, kSigmoid = 4, kElu = 5 };

// binary / binaryStrided. Arithmetic: float in, float out. Comparisons: float
// in, Uint8 (bool) out. Logical: Uint8 in, Uint8 out.
enum BinaryOp {
  kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMaximum = 4, kMinimum = 5, kSquaredDifference = 6,
  kPow = 7, kFloorDiv = 8,
  kEqual = 16, kNotEqual = 17, kGreater = 18, kGreaterEqual = 19, kLess = 20, kLessEqual = 21,
  kLogicalAnd = 24, kLogicalOr = 25,
};

// unary(op, x, out, alpha, beta): float in, float out.
enum UnaryOp {
  kURelu = 0, kURelu6 = 1, kULeakyRelu = 2, kUSigmoid = 3, kUElu = 4, kUStep = 5, kUSquare = 6,
  kUSqrt = 7, kUNeg = 8, kUExp = 9, kUAbs = 10, kURsqrt = 11, kULog = 12, kUErf = 13, kUFloor = 14,
  kUCeil = 15, kUTanh = 16, kUClip = 17, kUReciprocal = 18, kUSoftplus = 19, kULog1p = 20,
  kUExpm1 = 21, kUSign = 22, kURound = 23, kUGelu = 24, kUGeluTanh = 25,
};

// unaryGrad(op, v, dy, out, alpha, beta): dx from dy and v (the forward
// input x, or for kGSigmoid/kGTanh/kGElu the forward output y).
enum GradOp {
  kGRelu = 0, kGRelu6 = 1, kGClip = 2, kGSigmoid = 3, kGTanh = 4, kGErf = 5, kGGelu = 6,
  kGGeluTanh = 7, kGElu = 8, kGLeakyRelu = 9,
};

// reduce / reduceStrided. Arg ops write Int32 indices (first extreme wins).
enum ReduceOp { kRSum = 0, kRMax = 1, kRMin = 2, kRMean = 3, kRProd = 4, kRArgMax = 5, kRArgMin = 6 };

// setPrecision(mode, emulate): the compute type of convolutions and matmuls
// (inputs; outputs and accumulation stay float32). precision.cc.
enum Precision { kF32 = 0, kBf16 = 1, kF16 = 2 };

}  // namespace kiln
