package customer

// Hooks for the external tests of the fast paths.

// FastTagsPass is the fast path's verdict on the struct tags of c.
func (v *Validator) FastTagsPass(c Customer) bool { return v.tagsPass(&c) }

// ReflectTagsPass is validator/v10's verdict on the struct tags of c.
func (v *Validator) ReflectTagsPass(c Customer) bool { return v.v.Struct(c) == nil }
