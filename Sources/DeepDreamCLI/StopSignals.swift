import Dispatch
import Foundation
import Pipeline

/// SIGINT/SIGTERM: the first one asks the job to stop after the frame in flight and close the output
/// properly; a second one quits at once, removing `cleanup` (the unfinished temporary file).
final class StopSignals: @unchecked Sendable {
    let flag = StopFlag()
    private var sources: [DispatchSourceSignal] = []

    init(cleanup: String?) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [flag] in
                if flag.isSet {
                    if let cleanup { unlink(cleanup) }
                    _exit(130)
                }
                flag.set()
                FileHandle.standardError.write(Data("\ndeepdream: stopping after the frame in flight (again to quit now)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
    }
}
