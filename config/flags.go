package config

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
)

// AddFlags defines on fs a flag for every option whose Serve field equals
// serve, with the option's default and help; the help names the
// environment variable too.
func AddFlags(fs *pflag.FlagSet, serve bool) {
	for _, o := range Options {
		if o.Serve != serve {
			continue
		}
		usage := fmt.Sprintf("%s [env %s]", o.Usage, EnvName(o.Key))
		switch d := o.Default.(type) {
		case string:
			fs.String(o.Key, d, usage)
		case int:
			fs.Int(o.Key, d, usage)
		case int64:
			fs.Int64(o.Key, d, usage)
		case bool:
			fs.Bool(o.Key, d, usage)
		case time.Duration:
			fs.Duration(o.Key, d, usage)
		default:
			panic(fmt.Sprintf("config: option %s has default of unsupported type %T", o.Key, o.Default))
		}
	}
}
