/// `body` for every index in `0..<count`, with at most `width` running at once, results in
/// index order. For work that awaits the network: a waiting task holds no thread, so the
/// width bounds memory and open connections, not threads.
func boundedConcurrentMap<T: Sendable>(count: Int, width: Int = 64,
                                       _ body: @escaping @Sendable (Int) async -> T) async -> [T] {
    await withTaskGroup(of: (Int, T).self) { group in
        var results = [T?](repeating: nil, count: count)
        var next = 0
        while next < min(count, max(1, width)) {
            let index = next
            group.addTask { (index, await body(index)) }
            next += 1
        }
        while let (index, result) = await group.next() {
            results[index] = result
            if next < count {
                let index = next
                group.addTask { (index, await body(index)) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
