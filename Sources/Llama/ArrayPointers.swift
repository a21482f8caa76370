/// The BLAS calls of the Llama network address sub-blocks of arrays by offset. An array here is never resized
/// while a pointer into it is in use, and a mutable pointer is taken after the array is unique, so the
/// storage these point into stays where it is for the call that reads it.
extension Array {
    func pointer(_ offset: Int) -> UnsafePointer<Element> {
        withUnsafeBufferPointer { $0.baseAddress! + offset }
    }

    mutating func mutablePointer(_ offset: Int) -> UnsafeMutablePointer<Element> {
        withUnsafeMutableBufferPointer { $0.baseAddress! + offset }
    }
}
