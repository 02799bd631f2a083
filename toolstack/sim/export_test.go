package sim_test

import "os"

func readReference() (string, error) {
	b, err := os.ReadFile("profiles/reference-host.json")
	return string(b), err
}
