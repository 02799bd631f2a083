package config

import "path/filepath"

// UserFallback moves xend's system paths to per-user directories when the
// process is not root and cannot write them, so that `xendshim serve` works
// for an ordinary user. Only settings still at their built-in default move;
// a path the user chose is kept (and fails later, loudly, if unusable).
// writable reports whether a directory can be written; runtimeDir and
// stateDir are the per-user directories. It returns one note per moved
// setting, for the log.
func (c *Config) UserFallback(writable func(dir string) bool, runtimeDir, stateDir string) []string {
	var notes []string
	move := func(key string, val *string, def, to string) {
		if *val == "" || *val != def || writable(filepath.Dir(def)) {
			return
		}
		notes = append(notes, key+": "+def+" is not writable by this user; using "+to)
		*val = to
	}
	move(KeyXMLRPCSocket, &c.XMLRPCSocket, DefaultXMLRPCSocket, filepath.Join(runtimeDir, "xmlrpc.sock"))
	move(KeyHTTPSocket, &c.HTTPSocket, DefaultHTTPSocket, filepath.Join(runtimeDir, "xend-socket"))
	moveDir := func(key string, val *string, def, to string) {
		if *val != def || writable(def) {
			return
		}
		notes = append(notes, key+": "+def+" is not writable by this user; using "+to)
		*val = to
	}
	moveDir(KeyStateDir, &c.StateDir, DefaultStateDir, stateDir)
	moveDir(KeyDomainsPath, &c.DomainsPath, DefaultDomainsPath, filepath.Join(stateDir, "domains"))
	return notes
}
