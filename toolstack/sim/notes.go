package sim

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/xendshim/xendshim/toolstack"
)

// referenceKernel is the reference host's one PV guest kernel.
const referenceKernel = "/var/lib/xen/boot/vmlinuz-guest"

// referenceKernelNotes are the Xen ELF notes of the reference host's guest
// kernel, in the kernel's order, as xend 4.4.4 read them when it built a
// guest from it: golden xmlrpc/007-create-pv1 and http/009-create-pv show
// them in the new domain's image section. reference-host.json lists the
// kernel under "files" but, as it says the contents of files do not
// matter, not its notes; ReferenceProfile supplies them so that the
// simulator presents the captured host whole.
var referenceKernelNotes = toolstack.KeyValueList{
	{Key: "FEATURES", Value: "!writable_page_tables|pae_pgdir_above_4gb"},
	{Key: "VIRT_BASE", Value: "18446744071562067968"},
	{Key: "GUEST_VERSION", Value: "2.6"},
	{Key: "PADDR_OFFSET", Value: "0"},
	{Key: "HYPERCALL_PAGE", Value: "18446744071562076160"},
	{Key: "LOADER", Value: "generic"},
	{Key: "INIT_P2M", Value: "18446719884453740544"},
	{Key: "PAE_MODE", Value: "yes"},
	{Key: "ENTRY", Value: "18446744071590454784"},
	{Key: "HV_START_LOW", Value: "18446603336221196288"},
	{Key: "GUEST_OS", Value: "linux"},
	{Key: "SUSPEND_CANCEL", Value: "1"},
	{Key: "XEN_VERSION", Value: "xen-3.0"},
	{Key: "MOD_START_PFN", Value: "1"},
}

// KernelNotes implements toolstack.KernelNoteReader: the notes the profile
// gives for the kernel at path (kernel_notes), none for another kernel
// that exists on the simulated host, ErrNotFound for a missing file.
func (s *Sim) KernelNotes(ctx context.Context, path string) (toolstack.KeyValueList, error) {
	if _, err := s.StatHostFile(ctx, path); err != nil {
		return nil, err
	}
	notes := s.prof.KernelNotes[filepath.Clean(path)]
	return append(toolstack.KeyValueList(nil), notes...), nil
}

// validateKernelNotes checks the profile's kernel_notes: absolute kernel
// paths, named notes, and each name once per kernel.
func validateKernelNotes(kn map[string]toolstack.KeyValueList) error {
	for path, notes := range kn {
		if !filepath.IsAbs(path) || filepath.Clean(path) != path {
			return fmt.Errorf("kernel_notes: %q is not a clean absolute path; want e.g. %q", path, referenceKernel)
		}
		seen := map[string]bool{}
		for _, n := range notes {
			if n.Key == "" {
				return fmt.Errorf("kernel_notes[%q]: a note has no name", path)
			}
			if seen[n.Key] {
				return fmt.Errorf("kernel_notes[%q]: note %s given twice", path, n.Key)
			}
			seen[n.Key] = true
		}
	}
	return nil
}
