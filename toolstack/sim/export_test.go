package sim_test

import (
	"os"
	"testing"
)

func readReference() (string, error) {
	b, err := os.ReadFile("profiles/reference-host.json")
	return string(b), err
}

// The embedded reference profile must stay a copy of the shared one.
func TestReferenceProfileIsTheSharedOne(t *testing.T) {
	shared, err := os.ReadFile("../../../shared/golden/reference-host.json")
	if err != nil {
		t.Skip("shared golden directory not present: ", err)
	}
	ours, err := readReference()
	if err != nil {
		t.Fatal(err)
	}
	if string(shared) != ours {
		t.Errorf("profiles/reference-host.json differs from ../shared/golden/reference-host.json; copy it again")
	}
}
