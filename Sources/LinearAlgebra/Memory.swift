internal import COpenBLAS

/// How the process's allocator treats the large, short-lived arrays of numerical work.
public enum Memory {
    /// Keeps freed blocks of up to 1 GiB in the process for reuse, instead of handing each back to the
    /// kernel (glibc unmaps large blocks on free and trims the heap's top). A training step allocates the
    /// same activation arrays every time; returned memory comes back as a page fault per 4 KiB on the next
    /// step, which measured a quarter of the transformer's step on a 2-core VM. Executables call this once
    /// at start; peak memory then stays at its high-water mark, as with PyTorch's caching allocators.
    public static func retainFreedMemory() {
        humorgym_retain_freed_memory(1 << 30)
    }
}
