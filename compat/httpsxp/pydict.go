package httpsxp

// pyDict reproduces the iteration order of a CPython 2.7 dict whose keys are
// byte strings. xend kept response headers and request arguments in plain
// dicts, so the order in which it wrote headers on the wire (and the order in
// which it checked form arguments) is the dict's slot order, not insertion
// order. Emulating the table gives every header combination the order xend
// produced, instead of a hand-kept list of observed orders (spec §2.7).
//
// Only insertion and lookup are modelled: xend never deleted from these
// dicts. Python 2.7 runs without hash randomisation by default, so the
// string hash is deterministic.
type pyDict struct {
	slots []string // "" = empty; keys are never empty in our use
	used  []bool
	n     int // live keys (ma_used == ma_fill without deletions)
}

// pyMinSize is PyDict_MINSIZE.
const pyMinSize = 8

// pyStringHash is CPython 2.7's string_hash on a 64-bit build with the hash
// secret unset.
func pyStringHash(s string) uint64 {
	if len(s) == 0 {
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

// insert adds key if absent. It reports whether the key was new.
func (d *pyDict) insert(key string) bool {
	if d.slots == nil {
		d.slots = make([]string, pyMinSize)
		d.used = make([]bool, pyMinSize)
	}
	if !d.place(key) {
		return false
	}
	d.n++
	// dictresize when the table is two-thirds full (ma_fill*3 >= (mask+1)*2).
	if d.n*3 >= len(d.slots)*2 {
		d.resize(4 * d.n)
	}
	return true
}

// place probes for key as lookdict_string does; it returns false when the
// key is already present.
func (d *pyDict) place(key string) bool {
	mask := uint64(len(d.slots) - 1)
	h := pyStringHash(key)
	i := h
	perturb := h
	for {
		j := i & mask
		if !d.used[j] {
			d.slots[j] = key
			d.used[j] = true
			return true
		}
		if d.slots[j] == key {
			return false
		}
		i = (i << 2) + i + perturb + 1
		perturb >>= 5
	}
}

func (d *pyDict) resize(minUsed int) {
	size := pyMinSize
	for size <= minUsed {
		size <<= 1
	}
	oldSlots, oldUsed := d.slots, d.used
	d.slots = make([]string, size)
	d.used = make([]bool, size)
	for i, k := range oldSlots {
		if oldUsed[i] {
			d.place(k)
		}
	}
}

// has reports whether key is present.
func (d *pyDict) has(key string) bool {
	for i, k := range d.slots {
		if d.used[i] && k == key {
			return true
		}
	}
	return false
}

// keys returns the keys in CPython 2.7 iteration order.
func (d *pyDict) keys() []string {
	out := make([]string, 0, d.n)
	for i, k := range d.slots {
		if d.used[i] {
			out = append(out, k)
		}
	}
	return out
}
