// Package config resolves xendshim's settings from, in order of precedence
// (highest first):
//
//  1. command-line flags that were given (`--xmlrpc-socket PATH`);
//  2. environment variables XENDSHIM_<KEY>, the key upper-cased with "-"
//     turned into "_" (XENDSHIM_XMLRPC_SOCKET); a variable set to the empty
//     string counts, so XENDSHIM_HTTP_ADDR= turns that listener off;
//  3. the xendshim configuration file named by --config (or XENDSHIM_CONFIG),
//     YAML (.yaml, .yml) or TOML (.toml), whose keys are the flag names;
//  4. the host's old xend configuration, /etc/xen/xend-config.sxp (or
//     $XEND_CONFIG, or --xend-config FILE), read as it is through an SXP
//     codec, so that a host keeps the listeners and paths it had under xend;
//  5. built-in defaults ([Options]).
//
// An empty value turns a listener off at every level. Every key, its flag,
// its default and its meaning are listed once, in [Options]; the CLI builds
// its flags from that table and the README is checked against it.
//
// The xend-config.sxp reader ([ReadXendConfig], [XendConfigDecoder])
// honours the options that choose listeners and paths (xmlrpc.md §1.1,
// http-sxp.md §2.1, migration.md §1.2). An option xend 4.4 knew but
// xendshim deliberately ignores yields a [Warning]; an unknown or malformed
// option is an error naming the file, the line and the option, and nothing is
// applied.
package config
