//go:build !amd64 || purego

package runtime

// Without assembly no kernel path has an axpyRows8 kernel (rowsNone).
func callRows8(k rowsKind, a *rowsArgs) { panic("callRows8: no assembly in this build") }
