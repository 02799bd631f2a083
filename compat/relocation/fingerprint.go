package relocation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/xendshim/xendshim/toolstack"
)

// Fingerprint hashes what must survive a migration unchanged: the domain's
// configuration (its requested domid cleared) and its memory and vCPU
// state as the toolstack reports them. The simulated host has no guest
// pages, so this stands in for a memory hash; on either backend a
// migration that changes it lost something.
func Fingerprint(ctx context.Context, ts toolstack.Toolstack, id toolstack.Domid) (string, error) {
	cfg, err := ts.DomainConfig(ctx, id)
	if err != nil {
		return "", err
	}
	info, err := ts.Domain(ctx, id)
	if err != nil {
		return "", err
	}
	c := cfg.Clone()
	c.CInfo.Domid = 0
	b, err := json.Marshal(struct {
		Config                *toolstack.DomainConfig
		UUID                  string
		MaxMemKB, TargetMemKB uint64
		OnlineVCPUs, MaxVCPUs int
	}{c, info.UUID, info.MaxMemKB, info.TargetMemKB, info.OnlineVCPUs, info.MaxVCPUs})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
