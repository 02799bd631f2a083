package config

import (
	"fmt"

	"github.com/spf13/viper"
)

// XendConfigDecoder satisfies viper.Decoder.
var _ viper.Decoder = XendConfigDecoder{}

// XendConfigDecoder is a viper Decoder (github.com/spf13/viper.Decoder) for
// xend-config.sxp: it turns the file into xendshim settings keyed as
// [Options]. Path names the file in errors and warnings; Warnings, when not
// nil, receives the warnings of each Decode.
//
// Viper only reads formats listed in its global SupportedExts, which has no
// "sxp", so [Load] calls Decode itself and layers the result under the
// xendshim configuration file instead of registering it by extension.
type XendConfigDecoder struct {
	Path     string
	Warnings *[]Warning
}

// Decode implements viper.Decoder. On error v is left unchanged.
func (d XendConfigDecoder) Decode(b []byte, v map[string]any) error {
	f, err := ParseXendConfig(d.Path, b)
	if err != nil {
		return err
	}
	settings, warnings, err := f.Settings()
	if err != nil {
		return err
	}
	if d.Warnings != nil {
		*d.Warnings = append(*d.Warnings, warnings...)
	}
	for k, val := range settings {
		v[k] = val
	}
	return nil
}

// String describes the decoder for logs.
func (d XendConfigDecoder) String() string {
	return fmt.Sprintf("xend-config.sxp decoder (%s)", d.Path)
}
