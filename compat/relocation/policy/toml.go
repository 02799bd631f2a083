package policy

import (
	"errors"

	toml "github.com/pelletier/go-toml/v2"
)

func asDecodeError(err error, out **toml.DecodeError) bool { return errors.As(err, out) }

func asStrict(err error, out **toml.StrictMissingError) bool { return errors.As(err, out) }
