package token

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/miekg/pkcs11"
)

// A PKCS#11 library keeps its state per process: C_Initialize may be called
// once, and C_Finalize ends it for every user in the process. Every Source
// and Admin of the same module therefore shares one initialised handle,
// counted so that the last one to close finalises it.
var modules = struct {
	sync.Mutex
	byPath map[string]*module
}{byPath: map[string]*module{}}

type module struct {
	path string
	ctx  *pkcs11.Ctx
	refs int
	// owned is false when something else in the process had initialised the
	// library before us; finalising it then would pull it from under them.
	owned bool
}

func loadModule(path string) (*module, error) {
	modules.Lock()
	defer modules.Unlock()
	if m, ok := modules.byPath[path]; ok {
		m.refs++
		return m, nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("PKCS#11 module %s does not exist: install the token's library (for SoftHSM2: `make test-deps` or apt-get install softhsm2) or set %s", path, EnvModule)
	}
	ctx := pkcs11.New(path)
	if ctx == nil {
		return nil, fmt.Errorf("PKCS#11 module %s cannot be loaded: it is not a shared library for this platform, or a library it needs is missing", path)
	}
	owned := true
	if err := ctx.Initialize(); err != nil {
		if !isCode(err, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			ctx.Destroy()
			return nil, fmt.Errorf("initialise PKCS#11 module %s: %w", path, err)
		}
		owned = false
	}
	m := &module{path: path, ctx: ctx, refs: 1, owned: owned}
	modules.byPath[path] = m
	return m, nil
}

func (m *module) release() error {
	modules.Lock()
	defer modules.Unlock()
	m.refs--
	if m.refs > 0 {
		return nil
	}
	delete(modules.byPath, m.path)
	var err error
	if m.owned {
		err = m.ctx.Finalize()
	}
	m.ctx.Destroy()
	if err != nil {
		return fmt.Errorf("finalise PKCS#11 module %s: %w", m.path, err)
	}
	return nil
}

// findSlot returns the slot holding the initialised token labelled label.
func (m *module) findSlot(label string) (uint, error) {
	slots, err := m.ctx.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("list the slots of %s: %w", m.path, err)
	}
	var seen []string
	for _, s := range slots {
		info, err := m.ctx.GetTokenInfo(s)
		if err != nil {
			continue
		}
		if info.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			continue
		}
		if info.Label == label {
			return s, nil
		}
		seen = append(seen, fmt.Sprintf("%q", info.Label))
	}
	return 0, &tokenAbsentError{module: m.path, label: label, seen: seen}
}

type tokenAbsentError struct {
	module, label string
	seen          []string
}

func (e *tokenAbsentError) Error() string {
	if len(e.seen) == 0 {
		return fmt.Sprintf("no token labelled %q in %s: the module reports no initialised token (is the token plugged in?)", e.label, e.module)
	}
	return fmt.Sprintf("no token labelled %q in %s: it has %v", e.label, e.module, e.seen)
}

// isCode reports whether err is the PKCS#11 return value code.
func isCode(err error, codes ...uint) bool {
	var p pkcs11.Error
	if !errors.As(err, &p) {
		return false
	}
	for _, c := range codes {
		if uint(p) == c {
			return true
		}
	}
	return false
}
