package xend

import (
	"errors"
	"fmt"
	"testing"
)

// TestPythonStr checks str() of xend's exceptions, as its HTTP/SXP
// interface showed them, against the faultString XML-RPC carried.
func TestPythonStr(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantStr   string
		wantFault any
	}{
		{"XendInvalidDomain", invalidDomain("nosuch"), "<Fault 3: 'nosuch'>", "nosuch"},
		{"XendInvalidDomain with a quote", invalidDomain("it's"), `<Fault 3: "it's">`, "it's"},
		{"XendConfigError", configError("memory_dynamic_max must be less than or equal to memory_static_max"),
			"Invalid Configuration: memory_dynamic_max must be less than or equal to memory_static_max",
			"memory_dynamic_max must be less than or equal to memory_static_max"},
		{"XendError", xendError("Domain is not running"), "Domain is not running", "Domain is not running"},
		{"wrapped", fmt.Errorf("op: %w", configError("x")), "Invalid Configuration: x", "x"},
		{"plain error", errors.New("boom"), "boom", "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PythonStr(tt.err); got != tt.wantStr {
				t.Errorf("PythonStr(%v) = %q; want %q", tt.err, got, tt.wantStr)
			}
			if got := FaultOf(tt.err).String; got != tt.wantFault {
				t.Errorf("FaultOf(%v).String = %q; want %q", tt.err, got, tt.wantFault)
			}
		})
	}
}
