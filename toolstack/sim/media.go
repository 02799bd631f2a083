package sim

import (
	"context"

	"github.com/xendshim/xendshim/toolstack"
)

// ChangeMedia implements toolstack.MediaChanger.
func (s *Sim) ChangeMedia(ctx context.Context, id toolstack.Domid, vdev string, path string) error {
	if err := s.begin(ctx, "ChangeMedia"); err != nil {
		return err
	}
	defer s.mu.Unlock()
	const op = "change media"
	d, err := s.lookup(op, id)
	if err != nil {
		return err
	}
	want, err := vdevNumber(vdev)
	if err != nil {
		return toolstack.Errorf(toolstack.ErrInvalid, op, id, "%v", err)
	}
	for i := range d.Config.Disks {
		disk := &d.Config.Disks[i]
		if n, _ := vdevNumber(disk.Vdev); n != want {
			continue
		}
		if disk.Removable == 0 && disk.IsCDROM == 0 {
			return toolstack.Errorf(toolstack.ErrInvalid, op, id, "disk %s is not removable", vdev)
		}
		old := *disk
		disk.PdevPath = path
		if path == "" {
			disk.Format = "empty"
		} else if disk.Format == "empty" {
			disk.Format = "raw"
		}
		return s.commit(op, d, func() { *disk = old })
	}
	return toolstack.Errorf(toolstack.ErrNotFound, op, id, "no disk %s", vdev)
}
