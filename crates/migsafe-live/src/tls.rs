//! TLS for the connection: rustls with the ring provider, configured the
//! way libpq reads `sslmode`.
//!
//! - `prefer`, `allow`, `require`: the connection is encrypted, the server's
//!   certificate is not verified (libpq's semantics for these modes: they
//!   protect against eavesdropping, not against an active attacker). The
//!   handshake signatures are still checked, so the server must hold the
//!   key of the certificate it shows.
//! - `verify-ca`: the certificate must chain to a trusted root; the host
//!   name is not checked.
//! - `verify-full`: the chain and the host name are checked.
//!
//! Trusted roots for the `verify-*` modes: the PEM file named by
//! `sslrootcert` (or `PGSSLROOTCERT`), else `~/.postgresql/root.crt` when it
//! exists (libpq's default), else the Mozilla roots of `webpki-roots`
//! (`sslrootcert=system` asks for those explicitly).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::url::SslMode;

/// Where the trusted roots come from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Roots {
    /// Not verifying.
    None,
    /// The bundled Mozilla roots.
    System,
    /// A PEM file.
    File(PathBuf),
}

/// The rustls configuration for `mode`. Errors are messages.
pub(crate) fn client_config(
    mode: SslMode,
    rootcert: Option<&str>,
) -> Result<(ClientConfig, Roots), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    if !mode.verifies() {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly { provider }))
            .with_no_client_auth();
        return Ok((config, Roots::None));
    }
    let (store, roots) = root_store(rootcert)?;
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider)
        .build()
        .map_err(|e| format!("cannot set up certificate verification: {e}"))?;
    let config = if mode == SslMode::VerifyCa {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
            .with_no_client_auth()
    } else {
        builder.with_webpki_verifier(webpki).with_no_client_auth()
    };
    Ok((config, roots))
}

fn root_store(rootcert: Option<&str>) -> Result<(RootCertStore, Roots), String> {
    let file = match rootcert {
        Some("system") => None,
        Some(path) => Some(PathBuf::from(path)),
        None => std::env::var_os("HOME")
            .map(|h| Path::new(&h).join(".postgresql/root.crt"))
            .filter(|p| p.is_file()),
    };
    let mut store = RootCertStore::empty();
    match file {
        None => {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            Ok((store, Roots::System))
        }
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&path)
                .map_err(|e| format!("cannot read sslrootcert {}: {e}", path.display()))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("cannot read sslrootcert {}: {e}", path.display()))?;
            let (added, _ignored) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "sslrootcert {} holds no usable PEM certificate",
                    path.display()
                ));
            }
            Ok((store, Roots::File(path)))
        }
    }
}

/// `require`/`prefer`: any certificate, but a valid handshake signature by
/// its key.
#[derive(Debug)]
struct EncryptOnly {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `verify-ca`: the chain is verified; a certificate that is valid except
/// for the host name is accepted.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            // The name is checked last, after the chain: this error means
            // the chain was fine.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
