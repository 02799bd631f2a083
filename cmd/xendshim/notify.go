package main

import (
	"net"
	"os"
)

// notifySystemd sends a state line ("READY=1") to the service manager when
// it asked for one (Type=notify sets NOTIFY_SOCKET); otherwise it does
// nothing. Failures are ignored: notification is advisory.
func notifySystemd(state string) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return
	}
	if path[0] == '@' { // abstract namespace
		path = "\x00" + path[1:]
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return
	}
	defer c.Close()
	c.Write([]byte(state))
}
