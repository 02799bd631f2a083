package relocation_test

import (
	"net"
	"testing"

	"github.com/xendshim/xendshim/compat/relocation/chaos"
)

// netns adapts chaos.Netns to the matrix's network.
type netns struct{ *chaos.Netns }

func (n netns) listen(role string) (net.Listener, error) { return n.Listen(role, 0) }
func (n netns) dial(role, addr string) (net.Conn, error) { return n.Dial(role, addr) }

// TestMatrixNetns runs the scenario matrix with the sender, the chaos
// proxy and the receiver in three network namespaces joined by veth pairs.
func TestMatrixNetns(t *testing.T) {
	n := netns{chaos.NewNetns(t, "m")}
	// The topology is real: src cannot reach dst except through mid.
	if c, err := n.dial("src", "198.18.0.6:9"); err == nil {
		c.Close()
		t.Fatal("src reached 198.18.0.6 directly; the namespaces are not isolated")
	}
	runMatrix(t, n, "scenario matrix, network namespaces src -- mid (chaos proxy) -- dst")
}
