package xend

// pyDictOrder returns keys in the order a CPython 2.7 (64-bit) dict iterates
// them after they were inserted in the given order, with no deletions.
//
// xend built many records from dicts (a device's live configuration, the ELF
// notes of a kernel) and turned them into SXP lists by iterating the dict, so
// the key order on the wire is the dict's slot order, not the insertion order
// (xmlrpc.md §9 item 12). Emulating the table reproduces the orders seen in
// the captures, e.g. a vif with a vifname ((bridge uuid script mac vifname
// backend)) against one without ((bridge mac script uuid backend)).
//
// The emulation follows CPython 2.7's dictobject.c: string hash with hash
// randomisation off, open addressing with the perturbed probe
// i = 5*i + perturb + 1, a table of 8 slots that grows to the smallest power of
// two above 4*used once it is two-thirds full. Duplicate keys keep their first
// slot.
func pyDictOrder(keys []string) []string {
	t := newPyDict()
	for _, k := range keys {
		t.insert(k)
	}
	return t.keys()
}

// pyHash is CPython 2.7's string hash on a 64-bit build, hash randomisation off.
func pyHash(s string) uint64 {
	if s == "" {
		return 0
	}
	x := uint64(s[0]) << 7
	for i := 0; i < len(s); i++ {
		x = (1000003 * x) ^ uint64(s[i])
	}
	x ^= uint64(len(s))
	if x == ^uint64(0) { // -1 is reserved for errors
		x = ^uint64(0) - 1
	}
	return x
}

type pyDict struct {
	slots []string // "" marks an empty slot; keys are never empty here
	n     int      // keys held
}

func newPyDict() *pyDict { return &pyDict{slots: make([]string, 8)} }

// slot returns the slot where key lives or would be inserted.
func (d *pyDict) slot(slots []string, key string) int {
	mask := uint64(len(slots) - 1)
	h := pyHash(key)
	i := h & mask
	j := i
	for perturb := h; ; perturb >>= 5 {
		if slots[i&mask] == "" || slots[i&mask] == key {
			return int(i & mask)
		}
		j = 5*j + perturb + 1
		i = j
	}
}

func (d *pyDict) insert(key string) {
	if key == "" {
		key = "\x00" // never produced by callers; keeps the empty marker unique
	}
	i := d.slot(d.slots, key)
	if d.slots[i] == key {
		return
	}
	d.slots[i] = key
	d.n++
	if d.n*3 >= len(d.slots)*2 {
		size := 8
		for size <= 4*d.n {
			size <<= 1
		}
		old := d.slots
		d.slots = make([]string, size)
		for _, k := range old {
			if k != "" {
				d.slots[d.slot(d.slots, k)] = k
			}
		}
	}
}

func (d *pyDict) keys() []string {
	out := make([]string, 0, d.n)
	for _, k := range d.slots {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}
