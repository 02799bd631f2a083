// Package xlcfg renders a toolstack.DomainConfig as xl.cfg text, the file
// format `xl create` reads (xl.cfg(5)).
//
// It emits one setting per line in a fixed key order (name, uuid, type,
// memory, vCPUs, actions, boot, HVM options, devices), quotes every string
// so that libxlu reads it back unchanged (config.md §1.3/§1.4), writes the
// device spec strings of xl-disk-configuration(5), xl-network-configuration(5)
// and xl.cfg(5) (disk, vif, vfb, vkb, pci, usbctrl, usbdev, channel, vtpm),
// and refuses a string xl.cfg cannot carry with the key named.
//
// It lives under toolstack because it only knows the domain model and xl's
// file format: both compat/convert (xm → xl conversion, which adds its own
// comment block on top) and the xl backend (`xl create`) use it, and the xl
// backend may not import compat/* (arrows point down).
package xlcfg
