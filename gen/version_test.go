package gen_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/cnnc/cnnc/gen"
	"github.com/cnnc/cnnc/runtime"
)

// The runtime declares the constant that generated code of this version
// refers to: this line stops compiling if the two drift apart.
const _ = runtime.GeneratedCodeVersion2_RegenerateWithCnncCompile

// TestVersionGuard: generated code refers to the runtime's version
// constant, and code generated for another version fails to type-check
// with an error that says to regenerate it.
func TestVersionGuard(t *testing.T) {
	if gen.VersionGuard != fmt.Sprintf("GeneratedCodeVersion%d_RegenerateWithCnncCompile", gen.RuntimeVersion) || gen.RuntimeVersion != 2 {
		t.Fatalf("VersionGuard %q, RuntimeVersion %d: raise the runtime's constant with them", gen.VersionGuard, gen.RuntimeVersion)
	}
	code, err := gen.File(mustNet(t, "input 4x4x2\nfc 3\n"), gen.WithPackage("m"))
	if err != nil {
		t.Fatal(err)
	}
	guard := []byte("runtime." + gen.VersionGuard)
	if !bytes.Contains(code, guard) {
		t.Fatalf("the generated code does not refer to %s", guard)
	}
	if err := typeCheck(code); err != nil {
		t.Fatalf("the generated code does not type-check: %v", err)
	}
	other := bytes.ReplaceAll(code, guard, []byte("runtime.GeneratedCodeVersion999_RegenerateWithCnncCompile"))
	err = typeCheck(other)
	if err == nil || !strings.Contains(err.Error(), "undefined: runtime.GeneratedCodeVersion999_RegenerateWithCnncCompile") {
		t.Errorf("code of another version: got %v, want an undefined name that says to regenerate", err)
	}
}
