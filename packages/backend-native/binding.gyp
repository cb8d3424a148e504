{
  "targets": [
    {
      "target_name": "kiln_native",
      "sources": [
        "src/addon.cc", "src/conv.cc", "src/gemm.cc", "src/pool.cc", "src/eltwise.cc", "src/broadcast.cc",
        "src/reduce.cc", "src/copy.cc", "src/norm.cc", "src/bn_train.cc", "src/optimizers.cc",
        "src/precision.cc", "src/matmul_bf16.cc", "src/memory.cc",
        "src/int8.cc", "src/int8_addon.cc", "src/int8_conv.cc", "src/int8_matmul.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/find-libs.cjs include)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_ENABLE_TYPE_CHECK_ON_AS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-O3", "-std=c++17", "-fopenmp", "-fexceptions", "-fno-math-errno", "-fno-trapping-math"],
      "ldflags": ["-fopenmp"],
      "libraries": ["<!@(node scripts/find-libs.cjs libs)"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LIBRARY": "libc++",
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-Xpreprocessor", "-fopenmp"]
          }
        }]
      ]
    }
  ]
}
