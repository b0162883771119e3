package runtime

// GeneratedCodeVersion2_RegenerateWithCnncCompile is what the code cnnc
// compile writes asks of this runtime: every generated file refers to it,
// so a file generated for another version of the runtime fails to build
// with "undefined: runtime.GeneratedCodeVersionN_RegenerateWithCnncCompile",
// which says what to do: regenerate the file (go generate) with the cnnc of
// this runtime. The number goes up whenever generated code and the runtime
// change what they expect of each other; like protobuf's
// ProtoPackageIsVersionN, an older constant may stay while the runtime
// still serves that version's code. Version 2 hands the network to
// runtime/engine as an engine.Program; version 1 code, which carried its
// own engine, is no longer served.
const GeneratedCodeVersion2_RegenerateWithCnncCompile = 2
