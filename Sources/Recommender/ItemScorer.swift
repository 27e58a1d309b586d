/// A model that scores every item of the training catalogue for one user (higher is better).
/// `user` is the user's position in the training matrix, or nil for a user the model has not
/// seen (an anonymous session); `liked` are the item positions the user liked, oldest first.
public protocol ItemScorer: Sendable {
    var name: String { get }
    func scores(user: Int?, liked: [Int32], into out: inout [Float])
}

/// The top `k` item positions by score, skipping `excluded` (the user's own positives) and
/// items whose score is not finite; ties go to the lower position, so lists are reproducible.
public func topItems(_ scores: [Float], k: Int, excluding excluded: Set<Int32>) -> [Int32] {
    guard k > 0 else { return [] }
    var heap: [(score: Float, item: Int32)] = []  // the best k so far, worst first
    heap.reserveCapacity(k + 1)
    func worse(_ a: (score: Float, item: Int32), _ b: (score: Float, item: Int32)) -> Bool {
        a.score < b.score || (a.score == b.score && a.item > b.item)
    }
    for (i, score) in scores.enumerated() where score.isFinite && !excluded.contains(Int32(i)) {
        let candidate = (score: score, item: Int32(i))
        if heap.count < k {
            let at = heap.firstIndex { worse(candidate, $0) } ?? heap.count
            heap.insert(candidate, at: at)
        } else if worse(heap[0], candidate) {
            heap.removeFirst()
            let at = heap.firstIndex { worse(candidate, $0) } ?? heap.count
            heap.insert(candidate, at: at)
        }
    }
    return heap.reversed().map(\.item)
}
