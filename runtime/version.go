package runtime

// GeneratedCodeVersion1_RegenerateWithCnncCompile is what the code cnnc
// compile writes asks of this runtime: every generated file refers to it,
// so a file generated for another version of the runtime fails to build
// with "undefined: runtime.GeneratedCodeVersionN_RegenerateWithCnncCompile",
// which says what to do: regenerate the file (go generate) with the cnnc of
// this runtime. The number goes up whenever generated code and the runtime
// change what they expect of each other; like protobuf's
// ProtoPackageIsVersionN, an older constant may stay while the runtime
// still serves that version's code.
const GeneratedCodeVersion1_RegenerateWithCnncCompile = 1
