package journald

// SendBufferSize exposes the socket's send buffer to the external tests,
// which size a record beyond it to force the memfd path.
func (c *Conn) SendBufferSize() (int, error) { return c.sendBufferSize() }
