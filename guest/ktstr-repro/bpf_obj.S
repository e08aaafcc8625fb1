/*
 * The tracer's BPF object, embedded in its loader so that the guest needs one
 * file. KTSTR_BPF_OBJ is the object's path (the Makefile passes it).
 */
	.section .rodata
	.balign 8
	.global ktstr_bpf_obj
	.global ktstr_bpf_obj_end
ktstr_bpf_obj:
	.incbin KTSTR_BPF_OBJ
ktstr_bpf_obj_end:
	.section .note.GNU-stack,"",@progbits
