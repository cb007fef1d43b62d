import Foundation
import Testing

/// ASiC-E containers: layout checked with Python's zipfile, signatures with openssl.
@Suite("ASiC-E containers")
struct ContainerTests {
    func python(_ script: String, in directory: URL) throws -> CommandResult {
        let result = try Shell.run("python3", ["-c", script], in: directory)
        if result.status != 0 { Issue.record("python failed: \(result.stderr)") }
        return result
    }

    @Test("sign --asic: mimetype first, stored, bare (name at 30, type at 38), a manifest and its signature that openssl accepts; verify lists the files")
    func createAndVerify() throws {
        let ca = try TestAuthority()
        let (key, cert) = try ca.issue("official")
        _ = try ca.work.write("قرار ١.txt", "نص القرار\n")
        _ = try ca.work.write("annex.pdf", "%PDF-1.4 annex\n")
        let signed = try ca.run(["sign", "--key", key, "--cert", cert, "--chain", ca.issuing, "--asic", "d.asice", "قرار ١.txt", "annex.pdf"])
        #expect(signed.status == 0, "\(signed.stderr)")
        let layout = try python("""
            import zipfile
            z = zipfile.ZipFile('d.asice')
            infos = z.infolist()
            print(infos[0].filename, infos[0].compress_type, z.read('mimetype').decode())
            print(sorted(i.filename for i in infos[1:]))
            open('manifest.xml', 'wb').write(z.read('META-INF/ASiCManifest001.xml'))
            open('manifest.p7s', 'wb').write(z.read('META-INF/signature001.p7s'))
            print('intact' if z.testzip() is None else 'damaged')
            head = open('d.asice', 'rb').read(80)
            print('bare' if head[26:30] == bytes([8, 0, 0, 0]) and head[6] & 8 == 0 else 'extras', head[30:69].decode())
            """, in: ca.work.url).stdout
        #expect(layout.contains("mimetype 0 application/vnd.etsi.asic-e+zip"), "\(layout)")
        // EN 319 162-1 A.1: no extra field, so the type is readable at offset 38; every
        // later offset still holds (Python checks each entry's CRC through them).
        #expect(layout.contains("intact") && layout.contains("bare mimetypeapplication/vnd.etsi.asic-e+zip"), "\(layout)")
        let magic = try Shell.run("/usr/bin/env", ["file", "-b", "d.asice"], in: ca.work.url)
        #expect(magic.stdout.contains("application/vnd.etsi.asic-e+zip"), "file(1) says: \(magic.stdout) \(magic.stderr)")
        #expect(layout.contains("'META-INF/ASiCManifest001.xml'") && layout.contains("'META-INF/signature001.p7s'")
                && layout.contains("'قرار ١.txt'") && layout.contains("'annex.pdf'"), "\(layout)")
        try Shell.openssl(["cms", "-verify", "-binary", "-inform", "DER", "-in", "manifest.p7s", "-content", "manifest.xml",
                           "-CAfile", ca.root, "-purpose", "any", "-out", "/dev/null"], in: ca.work.url)
        let manifest = String(decoding: try ca.work.read("manifest.xml"), as: UTF8.self)
        #expect(manifest.contains("http://uri.etsi.org/02918/v1.2.1#") && manifest.contains("URI=\"annex.pdf\""))
        let verified = try ca.run(["verify", "--json", "--trust", ca.root, "d.asice"])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.contains("\"coveredFiles\":[\"قرار ١.txt\",\"annex.pdf\"]"), "\(verified.stdout)")
        #expect(try ca.run(["sign", "--key", key, "--cert", cert, "--asic", "d.asice", "annex.pdf"]).status == 73)
    }

    @Test("a file changed inside the container fails with HASH_FAILURE; a co-signature adds a second manifest")
    func tamperAndCoSign() throws {
        let ca = try TestAuthority()
        let first = try ca.issue("first")
        let second = try ca.issue("second")
        _ = try ca.work.write("a.txt", "one\n")
        _ = try ca.work.write("b.txt", "two\n")
        #expect(try ca.run(["sign", "--key", first.key, "--cert", first.cert, "--asic", "d.asice", "a.txt", "b.txt"]).status == 0)
        let cosigned = try ca.run(["sign", "--key", second.key, "--cert", second.cert, "--add-to", "d.asice"])
        #expect(cosigned.status == 0, "\(cosigned.stderr)")
        let verified = try ca.run(["verify", "--json", "--trust", ca.root, "--untrusted", ca.issuing, "d.asice"])
        #expect(verified.status == 0, "\(verified.stdout)")
        #expect(verified.stdout.components(separatedBy: "\"indication\":\"TOTAL_PASSED\"").count == 4, "\(verified.stdout)")
        _ = try python("""
            import zipfile
            src = zipfile.ZipFile('d.asice')
            out = zipfile.ZipFile('t.asice', 'w')
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == 'b.txt': data = b'TWO\\n'
                out.writestr(info, data)
            out.close()
            """, in: ca.work.url)
        let tampered = try ca.run(["verify", "--json", "--trust", ca.root, "--untrusted", ca.issuing, "t.asice"])
        #expect(tampered.status == 1, "\(tampered.stdout)")
        #expect(tampered.stdout.contains("HASH_FAILURE") && tampered.stdout.contains("b.txt was altered"))
    }

    @Test("hostile containers are refused with a clear error: .., absolute paths, links, a ZIP bomb, no mimetype")
    func hostileContainers() throws {
        let ca = try TestAuthority()
        _ = try python("""
            import zipfile
            def make(name, entries, first_mimetype=True):
                z = zipfile.ZipFile(name, 'w', zipfile.ZIP_DEFLATED)
                if first_mimetype:
                    z.writestr(zipfile.ZipInfo('mimetype'), 'application/vnd.etsi.asic-e+zip', compress_type=zipfile.ZIP_STORED)
                for entry in entries:
                    if isinstance(entry, zipfile.ZipInfo): z.writestr(entry, 'x')
                    else: z.writestr(entry[0], entry[1])
                z.close()
            make('dotdot.asice', [('../evil.txt', 'x')])
            make('absolute.asice', [('/etc/evil', 'x')])
            link = zipfile.ZipInfo('link')
            link.external_attr = (0o120777 << 16)
            link.create_system = 3
            make('link.asice', [link])
            make('bomb.asice', [('zeros.bin', b'\\0' * (64 << 20))])
            make('nomime.asice', [('a.txt', 'x')], first_mimetype=False)
            """, in: ca.work.url)
        let expectations = [("dotdot.asice", "not allowed"), ("absolute.asice", "not allowed"), ("link.asice", "link"),
                            ("bomb.asice", "ZIP bomb"), ("nomime.asice", "mimetype")]
        for (name, text) in expectations {
            let result = try ca.run(["verify", "--trust", ca.root, name])
            #expect(result.status == 65, "\(name): \(result.status) \(result.stderr)")
            #expect(result.stderr.contains(text), "\(name): \(result.stderr)")
        }
        // The limits are configurable: a tighter entry size refuses what the default allows.
        let tight = try ca.run(["verify", "--trust", ca.root, "--max-ratio", "100000", "--max-entry-size", "1", "bomb.asice"])
        #expect(tight.status == 65 && tight.stderr.contains("larger than 1 MiB"), "\(tight.stderr)")
    }
}
