"""What the demo is made of: its people, its small course, its sessions and its announcement.

Plain data only; app/demo/services.py turns it into rows through the domain services. The
people are invented, with valid NIPs (DOMAIN.md) and names as they are written in Palu.
"""

from dataclasses import dataclass, field
from pathlib import Path

# Every demo account's password: printed by `flask demo seed` and written in docs/demo.md.
DEMO_PASSWORD = "demo-kompeten-2027"

# The bundled content the demo builds on (`flask content import` brings it).
SPBE, KAM, DUK = "SPBE-101", "KAM-201", "DUK-201"
BUNDLED_COURSES = (SPBE, KAM, DUK)
PROGRAMME_SLUG = "literasi-digital-asn-2027"
FINAL_QUIZ = "kuis-akhir"
KAM_MODULES_READ = 3  # of 5: "halfway"
PROGRAMME_MODULES_READ = 2  # of SPBE-101's 5, by the one who follows the programme

# RSUD Anutapura is a unit of the Dinas Kesehatan (PP 72/2019 made regional hospitals units
# of the health office); the bundled OPD list does not have it, so the demo adds it when no
# agency of that name exists.
HOSPITAL_CODE, HOSPITAL_NAME, HOSPITAL_PARENT = (
    "RSUD-ANUTAPURA", "RSUD Anutapura", "DINKES")


@dataclass(frozen=True)
class Person:
    key: str  # how the seed refers to them
    nip: str
    name: str
    agency: str  # agency code (HOSPITAL_CODE: the hospital above)
    jabatan_type: str
    jabatan_title: str
    golongan: str
    roles: tuple = ("learner",)
    story: str = ""  # what the visitor finds when logging in as them (printed, docs)


ADMIN = Person(
    "admin", "198207152008011003", "Irwan Lapasere, S.Kom.", "BKPSDM", "fungsional",
    "Analis SDM Aparatur Ahli Muda", "III/d", ("admin", "learner"),
    "admin: sertifikat (satu terbit, satu dicabut), laporan JP, pengguna, pengumuman")
TRAINER = Person(
    "trainer", "197911242005022001", "Dr. Fitriani Tombolotutu, S.Kom., M.T.", "DISKOMINFO",
    "fungsional", "Pranata Komputer Ahli Madya", "IV/a", ("trainer", "learner"),
    "pengajar kursus demo DEMO-MEDSOS: satu esai menunggu dinilai; penyelenggara dua sesi")
FINISHED = Person(
    "finished", "199003172015031002", "Moh. Rizal Lamakarate, S.T.", "DISKOMINFO",
    "fungsional", "Pranata Komputer Ahli Pertama", "III/b",
    story="selesai SPBE-101 dan memegang sertifikatnya; terdaftar di dua sesi")
HALFWAY = Person(
    "halfway", "198505092010012004", "Sri Wahyuni Pettalolo, S.Sos.", "DISDUKCAPIL",
    "pengawas", "Kepala Seksi Pemanfaatan Data dan Inovasi Pelayanan", "III/d",
    story="setengah jalan di KAM-201; 40 JP Diklat PIM dari BPSDM Provinsi Sulawesi Tengah")
NOT_STARTED = Person(
    "not_started", "199503142023212003", "Andi Magfira Lasahido, A.Md.", "DPMPTSP",
    "pelaksana", "Pengelola Layanan Perizinan", "VII",
    story="PPPK; terdaftar di SPBE-101 tetapi belum membuka satu modul pun")
FOLLOWER = Person(
    "follower", "199208212019031005", "Yusuf Lamaranggi, S.Kep., Ns.", HOSPITAL_CODE,
    "fungsional", "Perawat Ahli Pertama", "III/a",
    story="mengikuti program Literasi Digital ASN 2027; 2 modul SPBE-101; webinar")
KECAMATAN = Person(
    "kecamatan", "198812302014022001", "Rahmawati Djanggola, S.E.", "KEC-MANTIKULORE",
    "pengawas", "Kepala Seksi Pemerintahan", "III/c",
    story="selesai DUK-201, sertifikatnya dicabut (data salah); esai DEMO-MEDSOS menunggu "
          "nilai")
PEOPLE = (ADMIN, TRAINER, FINISHED, HALFWAY, NOT_STARTED, FOLLOWER, KECAMATAN)

# Certificates: set only when the installation has none yet, so issuing works in the demo.
CERTIFICATE_SETTINGS = {
    "certificate.signer_name": "Dr. Andi Pettalolo, S.Sos., M.Si.",
    "certificate.signer_nip": "197206141998031005",
}
# Demo certificates carry this before their number, so a printed one says what it is and a
# real certificate never gets a number a demo certificate had.
NUMBER_PREFIX = "DEMO-"
REVOCATION = {
    "reason": "Nama pada sertifikat ditulis tanpa gelar; terbitkan ulang setelah data "
              "kepegawaian diperbaiki.",
    "public_reason": "kesalahan_data",
}

EXTERNAL_CREDIT = {
    "jp": 40,
    "title": "Pelatihan Kepemimpinan Pengawas (Diklat PIM IV), tahap klasikal",
    "provider": "BPSDM Provinsi Sulawesi Tengah",
    "note": "Dicatat dari STTP yang diserahkan peserta ke BKPSDM.",
    "days_ago": 45,
}


# --- the trainer's small course, with a quiz whose essay waits for her ---------------------------

@dataclass(frozen=True)
class DemoCourse:
    code: str
    title: str
    summary: str
    description: str
    jp: int
    competency: str
    mode: str
    provider: str
    modules: tuple  # (title, minutes, body)
    quiz_slug: str
    quiz_settings: dict = field(default_factory=dict)
    quiz_gift: str = ""
    essay_answer: str = ""


COURSE = DemoCourse(
    code="DEMO-MEDSOS",
    title="Etika Bermedia Sosial bagi ASN (kursus demo)",
    summary="Kursus singkat contoh dari pengajar Diskominfo: rambu-rambu bermedia sosial, data "
            "pribadi warga, dan kabar yang belum jelas. Bagian dari data demo Kompeten.",
    description="""## Tentang kursus ini

Kursus ini adalah **contoh** yang ditambahkan oleh data demo Kompeten, supaya ruang pengajar
memperlihatkan kursus buatan pengajar sendiri beserta kuis yang memuat soal esai. Isinya tetap
bahan belajar yang layak: dua modul pendek tentang sikap ASN di media sosial.

## Tujuan pembelajaran

Setelah menyelesaikan kursus ini, peserta mampu:

1. menjelaskan mengapa nilai dasar dan kode etik ASN tetap berlaku di akun pribadi;
2. mengenali data pribadi warga yang tidak boleh tampil di unggahan;
3. memeriksa sebuah kabar sebelum meneruskannya.
""",
    jp=2,
    competency="sosial_kultural",
    mode="e-learning",
    provider="Diskominfo Kota Palu",
    modules=(
        ("Rambu-rambu bermedia sosial bagi ASN", 20, """## Akun pribadi, status tetap ASN

Media sosial membuat batas antara urusan pribadi dan urusan dinas menjadi tipis. Sebuah
unggahan di akun pribadi dapat dibaca ribuan orang, disimpan sebagai tangkapan layar, dan
dikaitkan dengan instansi tempat Anda bekerja. Karena itu, status sebagai ASN tidak berhenti
ketika Anda menulis dari akun pribadi: nilai dasar ASN (BerAKHLAK), kode etik, dan kewajiban
disiplin tetap berlaku.

Surat Edaran Menteri PANRB Nomor 137 Tahun 2018 tentang Penyebarluasan Informasi melalui Media
Sosial bagi ASN meminta ASN ikut menyebarkan informasi kebijakan pemerintah yang benar, dan
sebaliknya tidak menyebarkan informasi yang bohong, menghasut, atau bernada kebencian.

## Tiga pertanyaan sebelum mengunggah

1. **Benarkah?** Apakah isinya sudah Anda periksa pada sumber resmi?
2. **Pantaskah?** Apakah Anda tetap nyaman bila unggahan ini dibaca atasan, warga yang Anda
   layani, dan keluarga Anda?
3. **Amankah?** Apakah ada data pribadi warga, dokumen dinas, atau informasi yang dikecualikan
   di dalamnya?

## Netralitas

Pada masa pemilihan umum dan pemilihan kepala daerah, ASN wajib netral. Menyukai, membagikan,
atau mengomentari unggahan kampanye dari akun pribadi dapat dinilai sebagai pelanggaran
netralitas. Bila ragu, jangan ikut berkomentar, dan tanyakan kepada BKPSDM.
"""),
        ("Data pribadi warga dan kabar yang belum jelas", 25, """## Data pribadi warga

Kegiatan pelayanan boleh diberitakan, tetapi data pribadi warga di dalamnya tidak. Undang-Undang
Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi mewajibkan setiap pengendali data, termasuk
instansi pemerintah, melindungi data yang dikelolanya. Di meja pelayanan, data itu mudah
terpotret tanpa sengaja:

- KTP, Kartu Keluarga, akta, dan berkas permohonan yang terbuka di meja;
- layar komputer yang menampilkan aplikasi kependudukan atau kepegawaian;
- wajah warga, terutama anak-anak dan pasien, tanpa izin.

Memotong atau mengaburkan sebagian NIK tidak cukup: sisa datanya masih dapat dipakai untuk
penipuan. Cara yang aman adalah memotret ulang tanpa dokumen dan tanpa layar.

## Kabar yang belum jelas

Grup percakapan kantor sering menjadi jalan pertama sebuah hoaks. Sebelum meneruskan kabar,
periksa sumbernya pada kanal resmi: situs dan akun resmi Pemerintah Kota Palu, instansi yang
disebut dalam kabar itu, atau portal pengaduan hoaks Kementerian Komunikasi dan Digital. Bila
kabar ternyata keliru, jangan sekadar menulis "hoaks" di grup: bagikan tautan klarifikasi
resminya, agar anggota grup dapat memeriksanya sendiri.
"""),
    ),
    quiz_slug="refleksi",
    quiz_settings={
        "title": "Kuis Refleksi Bermedia Sosial", "kind": "graded", "pass_mark": 70,
        "time_limit_minutes": 0, "max_attempts": 2, "grading_method": "highest",
        "draw_count": 0, "shuffle_answers": True, "review_policy": "feedback",
        "show_answers": "after_last_attempt", "default_format": "markdown",
    },
    quiz_gift=(Path(__file__).parent / "refleksi.gift").read_text(encoding="utf-8"),
    essay_answer=(
        "Bulan lalu akun kecamatan kami mengunggah foto pelayanan perekaman KTP-el di kantor "
        "kecamatan. Fotonya memperlihatkan layar komputer petugas dengan nama dan NIK warga, "
        "dan di meja ada beberapa Kartu Keluarga yang terbuka. Niatnya baik, menunjukkan bahwa "
        "pelayanan berjalan, tetapi data pribadi warga ikut tersebar.\n\n"
        "Saya akan meminta admin akun menghapus foto itu dan menggantinya dengan foto antrean "
        "dari belakang, tanpa layar dan tanpa dokumen. Keterangannya saya tulis ulang: jam "
        "pelayanan, syarat yang perlu dibawa, dan nomor pengaduan kecamatan. Ke depan kami "
        "sepakat memeriksa setiap foto dengan tiga pertanyaan: benarkah, pantaskah, amankah."),
)


# --- sessions and the announcement -----------------------------------------------------------

@dataclass(frozen=True)
class DemoSession:
    title: str
    kind: str
    description: str
    days_ahead: int
    start: tuple  # (hour, minute) WITA
    end: tuple
    jp: int
    capacity: int
    place: str = ""
    meeting_url: str = ""
    registrants: tuple = ()  # Person keys


WORKSHOP = DemoSession(
    title="Workshop Penyusunan Peta Rencana SPBE Perangkat Daerah",
    kind="klasikal",
    description="Satu hari praktik menyusun Peta Rencana SPBE tingkat OPD dari Arsitektur SPBE "
                "Kota Palu. Bawa laptop dan daftar aplikasi yang dipakai di unit Anda.\n\n"
                "Sesi contoh dari data demo Kompeten.",
    days_ahead=12, start=(8, 0), end=(16, 0), jp=8, capacity=30,
    place="Aula BKPSDM Kota Palu",
    registrants=("finished", "halfway", "kecamatan"),
)
WEBINAR = DemoSession(
    title="Webinar Literasi Digital: Mengenali Penipuan Daring yang Menyasar ASN",
    kind="webinar",
    description="Modus penipuan yang menyasar ASN (undangan palsu, tautan APK, akun palsu "
                "pejabat) dan cara melaporkannya. Terbuka untuk semua ASN Pemerintah Kota Palu.\n\n"
                "Sesi contoh dari data demo Kompeten.",
    days_ahead=5, start=(9, 0), end=(11, 30), jp=3, capacity=300,
    meeting_url="https://meet.jit.si/kompeten-demo-literasi-digital",
    registrants=("follower", "not_started", "finished"),
)
SESSIONS = (WORKSHOP, WEBINAR)
SESSION_PROVIDER = "BKPSDM Kota Palu"

ANNOUNCEMENT = {
    "title": "Program Literasi Digital ASN 2027 dibuka (pengumuman demo)",
    "body": "Program wajib **Literasi Digital ASN 2027** sudah dapat diikuti dari menu Program. "
            "Selesaikan SPBE-101, KAM-201 dan DUK-201, lalu ikuti satu webinar dari Agenda "
            "sebelum tenggatnya.\n\nPengumuman ini bagian dari data demo Kompeten.",
    "days": 30,
}
