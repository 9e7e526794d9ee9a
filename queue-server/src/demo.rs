//! The built-in demo centre (`queue-server --demo`): the example configuration's 15 fields and 12
//! counters, a catalogue of procedures and dossiers in every status, loaded into an empty database.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{params, Connection};

/// Tokens of the demo centre, printed at start (they are in `deploy/motcua.example.toml`).
pub const TOKENS: &[(&str, &str)] = &[
    ("demo-kiosk", "kiosk: lấy số, đánh giá"),
    ("demo-counter", "cán bộ: mọi quầy"),
    ("demo-counter-3", "cán bộ: quầy 3"),
    ("demo-supervisor", "giám sát: mọi thao tác"),
];

type Proc = (&'static str, &'static str, &'static str, &'static str, &'static str, u32, &'static str, &'static [&'static str]);

const CCCD: &str = "Căn cước công dân (bản chính để đối chiếu)";
const FORM: &str = "Tờ khai/Đơn đề nghị theo mẫu";

/// (code, service, name, level, online level, processing days, fee, documents)
pub const PROCEDURES: &[Proc] = &[
    ("1.004227", "DD", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "Tỉnh", "Một phần", 10, "Theo Nghị quyết của HĐND tỉnh", &[FORM, "Giấy chứng nhận đã cấp (bản gốc)", "Hợp đồng, văn bản về chuyển quyền", CCCD]),
    ("1.004203", "DD", "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "Tỉnh", "Một phần", 7, "50.000 đồng/giấy", &[FORM, "Giấy chứng nhận đã cấp (bản gốc)", CCCD]),
    ("1.004221", "DD", "Đăng ký đất đai, tài sản gắn liền với đất lần đầu", "Huyện", "Một phần", 20, "100.000 đồng/giấy", &[FORM, "Giấy tờ về quyền sử dụng đất", "Sơ đồ thửa đất", CCCD]),
    ("1.004199", "DD", "Tách thửa hoặc hợp thửa đất", "Tỉnh", "Một phần", 15, "Theo Nghị quyết của HĐND tỉnh", &[FORM, "Giấy chứng nhận đã cấp (bản gốc)", "Bản vẽ tách, hợp thửa", CCCD]),
    ("1.004193", "DD", "Xóa đăng ký thế chấp quyền sử dụng đất", "Tỉnh", "Toàn trình", 1, "20.000 đồng/hồ sơ", &["Phiếu yêu cầu xóa đăng ký", "Văn bản đồng ý xóa thế chấp của bên nhận thế chấp"]),
    ("1.009972", "XD", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "Huyện", "Một phần", 15, "75.000 đồng/giấy phép", &[FORM, "Giấy tờ về quyền sử dụng đất", "Bản vẽ thiết kế xây dựng (2 bộ)", CCCD]),
    ("1.009974", "XD", "Cấp giấy phép sửa chữa, cải tạo công trình", "Huyện", "Một phần", 15, "75.000 đồng/giấy phép", &[FORM, "Giấy phép xây dựng đã cấp", "Ảnh chụp hiện trạng công trình", "Bản vẽ cải tạo"]),
    ("1.009976", "XD", "Gia hạn giấy phép xây dựng", "Huyện", "Toàn trình", 5, "15.000 đồng/giấy phép", &[FORM, "Giấy phép xây dựng đã cấp (bản gốc)"]),
    ("1.009980", "XD", "Thẩm định báo cáo nghiên cứu khả thi đầu tư xây dựng", "Tỉnh", "Một phần", 30, "Theo Thông tư 27/2023/TT-BTC", &["Tờ trình thẩm định", "Báo cáo nghiên cứu khả thi", "Hồ sơ khảo sát xây dựng"]),
    ("1.001193", "TP", "Đăng ký khai sinh", "Xã", "Toàn trình", 0, "Không thu phí", &[FORM, "Giấy chứng sinh", "Giấy tờ tùy thân của người đi đăng ký"]),
    ("1.000656", "TP", "Đăng ký kết hôn", "Xã", "Một phần", 0, "Không thu phí", &[FORM, CCCD, "Xác nhận tình trạng hôn nhân (nếu cư trú nơi khác)"]),
    ("1.000419", "TP", "Đăng ký khai tử", "Xã", "Toàn trình", 0, "Không thu phí", &[FORM, "Giấy báo tử hoặc giấy tờ thay thế"]),
    ("2.000908", "TP", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Xã", "Trực tiếp", 0, "2.000 đồng/trang, từ trang thứ ba 1.000 đồng/trang", &["Bản chính giấy tờ", "Bản sao cần chứng thực"]),
    ("2.000815", "TP", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "Tỉnh", "Toàn trình", 10, "200.000 đồng/lần", &[FORM, CCCD]),
    ("2.000884", "TP", "Trích lục hộ tịch (cấp bản sao trích lục)", "Xã", "Toàn trình", 0, "8.000 đồng/bản", &[FORM, CCCD]),
    ("2.001610", "KD", "Đăng ký thành lập hộ kinh doanh", "Huyện", "Toàn trình", 3, "100.000 đồng/lần", &["Giấy đề nghị đăng ký hộ kinh doanh", CCCD, "Biên bản họp thành viên hộ gia đình (nếu có)"]),
    ("2.002036", "KD", "Đăng ký thành lập doanh nghiệp tư nhân", "Tỉnh", "Toàn trình", 3, "50.000 đồng/lần", &["Giấy đề nghị đăng ký doanh nghiệp", CCCD]),
    ("2.002037", "KD", "Đăng ký thành lập công ty TNHH một thành viên", "Tỉnh", "Toàn trình", 3, "50.000 đồng/lần", &["Giấy đề nghị đăng ký doanh nghiệp", "Điều lệ công ty", "Giấy tờ pháp lý của chủ sở hữu"]),
    ("2.002040", "KD", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "Tỉnh", "Toàn trình", 3, "50.000 đồng/lần", &["Thông báo thay đổi nội dung đăng ký", "Nghị quyết, quyết định của chủ sở hữu"]),
    ("2.000701", "KD", "Tạm ngừng kinh doanh hộ kinh doanh", "Huyện", "Toàn trình", 3, "Không thu phí", &["Thông báo tạm ngừng kinh doanh"]),
    ("1.001978", "LD", "Giải quyết hưởng trợ cấp thất nghiệp", "Tỉnh", "Một phần", 20, "Không thu phí", &["Đề nghị hưởng trợ cấp thất nghiệp", "Quyết định thôi việc", "Sổ bảo hiểm xã hội"]),
    ("1.001776", "LD", "Trợ cấp xã hội hằng tháng cho người cao tuổi", "Xã", "Một phần", 15, "Không thu phí", &[FORM, CCCD]),
    ("1.005132", "LD", "Cấp giấy phép lao động cho người nước ngoài làm việc tại Việt Nam", "Tỉnh", "Toàn trình", 5, "600.000 đồng/giấy phép", &["Văn bản đề nghị", "Giấy chứng nhận sức khỏe", "Hộ chiếu", "Văn bằng chuyên môn"]),
    ("1.000502", "LD", "Xác nhận người có công với cách mạng", "Tỉnh", "Một phần", 20, "Không thu phí", &[FORM, "Giấy tờ chứng minh công lao"]),
    ("1.002804", "GT", "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "Tỉnh", "Toàn trình", 5, "135.000 đồng/lần", &["Đơn đề nghị đổi giấy phép lái xe", "Giấy khám sức khỏe", "Giấy phép lái xe (bản gốc)"]),
    ("1.002809", "GT", "Cấp lại giấy phép lái xe", "Tỉnh", "Toàn trình", 5, "135.000 đồng/lần", &["Đơn đề nghị cấp lại", "Giấy khám sức khỏe", CCCD]),
    ("1.001777", "GT", "Cấp phù hiệu xe kinh doanh vận tải", "Tỉnh", "Toàn trình", 2, "Không thu phí", &["Giấy đề nghị cấp phù hiệu", "Giấy đăng ký xe"]),
    ("1.002835", "GT", "Cấp giấy phép lưu hành xe quá tải trọng, quá khổ", "Tỉnh", "Một phần", 2, "Không thu phí", &["Đơn đề nghị", "Giấy đăng ký xe", "Phương án vận chuyển"]),
    ("2.001198", "CA", "Cấp thẻ Căn cước (lần đầu, đổi, cấp lại)", "Huyện", "Một phần", 7, "Cấp lần đầu miễn phí; đổi 30.000 đồng; cấp lại 50.000 đồng", &["Thẻ căn cước cũ (khi đổi)", "Sổ hộ khẩu hoặc xác nhận cư trú (nếu cần)"]),
    ("1.004194", "CA", "Đăng ký thường trú", "Xã", "Toàn trình", 7, "20.000 đồng/lần", &["Tờ khai thay đổi thông tin cư trú", "Giấy tờ chứng minh chỗ ở hợp pháp"]),
    ("1.004222", "CA", "Đăng ký tạm trú", "Xã", "Toàn trình", 3, "15.000 đồng/lần", &["Tờ khai thay đổi thông tin cư trú", "Giấy tờ chứng minh chỗ ở hợp pháp"]),
    ("2.001159", "CA", "Xác nhận thông tin về cư trú", "Xã", "Toàn trình", 1, "Không thu phí", &["Tờ khai thay đổi thông tin cư trú"]),
    ("1.001955", "CA", "Đăng ký xe mô tô, xe gắn máy", "Huyện", "Một phần", 2, "Theo Thông tư 60/2023/TT-BTC", &["Giấy khai đăng ký xe", "Chứng từ nguồn gốc xe", "Chứng từ lệ phí trước bạ", CCCD]),
    ("1.004249", "TN", "Cấp giấy phép khai thác, sử dụng nước dưới đất", "Tỉnh", "Một phần", 30, "Theo Nghị quyết của HĐND tỉnh", &[FORM, "Báo cáo kết quả thăm dò", "Sơ đồ khu vực khai thác"]),
    ("1.010727", "TN", "Cấp giấy phép môi trường", "Tỉnh", "Một phần", 30, "Theo Nghị quyết của HĐND tỉnh", &["Văn bản đề nghị", "Báo cáo đề xuất cấp giấy phép môi trường"]),
    ("1.004289", "TN", "Đăng ký khai thác nước mặt", "Huyện", "Toàn trình", 10, "Không thu phí", &["Tờ khai đăng ký khai thác nước mặt"]),
    ("1.010733", "TN", "Thẩm định báo cáo đánh giá tác động môi trường", "Tỉnh", "Một phần", 25, "Theo Thông tư 38/2023/TT-BTC", &["Văn bản đề nghị thẩm định", "Báo cáo đánh giá tác động môi trường", "Báo cáo nghiên cứu khả thi"]),
    ("2.000190", "CT", "Cấp giấy phép bán lẻ sản phẩm rượu", "Huyện", "Toàn trình", 10, "Theo Thông tư 168/2016/TT-BTC", &[FORM, "Hợp đồng mua bán với thương nhân bán buôn"]),
    ("2.000620", "CT", "Cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm (công thương)", "Tỉnh", "Một phần", 15, "1.000.000 đồng/lần", &[FORM, "Bản thuyết minh cơ sở vật chất", "Giấy xác nhận kiến thức an toàn thực phẩm"]),
    ("2.000633", "CT", "Cấp giấy phép kinh doanh mua bán hàng hóa (nhà đầu tư nước ngoài)", "Tỉnh", "Toàn trình", 10, "Theo Thông tư của Bộ Tài chính", &["Đơn đề nghị cấp giấy phép", "Bản giải trình điều kiện", "Báo cáo tài chính"]),
    ("2.001240", "CT", "Cấp giấy phép sản xuất rượu thủ công nhằm mục đích kinh doanh", "Huyện", "Toàn trình", 10, "Theo Thông tư 168/2016/TT-BTC", &[FORM, "Bản công bố sản phẩm rượu"]),
    ("1.003596", "NN", "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông lâm thủy sản", "Tỉnh", "Một phần", 15, "Theo Thông tư 44/2018/TT-BTC", &[FORM, "Bản thuyết minh điều kiện cơ sở"]),
    ("1.008003", "NN", "Cấp giấy chứng nhận kiểm dịch động vật vận chuyển ra khỏi tỉnh", "Tỉnh", "Một phần", 1, "Theo Thông tư 101/2020/TT-BTC", &["Giấy đăng ký kiểm dịch"]),
    ("1.003605", "NN", "Công nhận làng nghề", "Tỉnh", "Một phần", 30, "Không thu phí", &["Văn bản đề nghị công nhận", "Báo cáo tình hình phát triển làng nghề"]),
    ("1.007931", "NN", "Cấp giấy phép khai thác thủy sản", "Tỉnh", "Toàn trình", 6, "Theo Thông tư 118/2018/TT-BTC", &[FORM, "Giấy chứng nhận đăng ký tàu cá"]),
    ("1.002466", "YT", "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh", "Tỉnh", "Một phần", 20, "360.000 đồng/hồ sơ", &[FORM, "Văn bằng chuyên môn", "Giấy chứng nhận sức khỏe", "Giấy xác nhận quá trình thực hành"]),
    ("1.003050", "YT", "Cấp giấy phép hoạt động phòng khám chuyên khoa", "Tỉnh", "Một phần", 45, "4.300.000 đồng/hồ sơ", &[FORM, "Danh sách người hành nghề", "Bản kê khai cơ sở vật chất, thiết bị"]),
    ("1.004616", "YT", "Cấp giấy chứng nhận đủ điều kiện kinh doanh dược", "Tỉnh", "Một phần", 20, "Theo Thông tư 277/2016/TT-BTC", &[FORM, "Tài liệu kỹ thuật về cơ sở", "Chứng chỉ hành nghề dược"]),
    ("1.012269", "YT", "Cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm (y tế)", "Tỉnh", "Một phần", 15, "Theo Thông tư 67/2021/TT-BTC", &[FORM, "Bản thuyết minh cơ sở vật chất"]),
    ("1.005092", "GD", "Công nhận văn bằng do cơ sở giáo dục nước ngoài cấp", "Tỉnh", "Toàn trình", 20, "Không thu phí", &[FORM, "Bản sao văn bằng cần công nhận", "Bản dịch văn bằng có chứng thực"]),
    ("1.005088", "GD", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "Tỉnh", "Toàn trình", 1, "Theo quy định của cơ sở cấp", &[FORM, CCCD]),
    ("1.004555", "GD", "Cho phép thành lập trường mầm non tư thục", "Huyện", "Một phần", 20, "Không thu phí", &["Tờ trình đề nghị thành lập", "Đề án thành lập trường"]),
    ("1.005006", "GD", "Chỉnh sửa nội dung văn bằng, chứng chỉ", "Tỉnh", "Toàn trình", 5, "Không thu phí", &[FORM, "Văn bằng cần chỉnh sửa", "Giấy tờ làm căn cứ chỉnh sửa"]),
    ("1.001029", "VH", "Cấp giấy phép kinh doanh karaoke", "Huyện", "Toàn trình", 5, "Theo Thông tư 01/2021/TT-BTC", &[FORM, "Bản sao giấy chứng nhận đăng ký kinh doanh"]),
    ("1.001432", "VH", "Công nhận hạng cơ sở lưu trú du lịch", "Tỉnh", "Một phần", 30, "Theo Thông tư 34/2018/TT-BTC", &["Đơn đề nghị công nhận hạng", "Bản tự đánh giá chất lượng cơ sở lưu trú"]),
    ("1.003640", "VH", "Cấp thẻ hướng dẫn viên du lịch nội địa", "Tỉnh", "Toàn trình", 10, "650.000 đồng/thẻ", &[FORM, "Giấy chứng nhận sức khỏe", "Chứng chỉ nghiệp vụ hướng dẫn du lịch", "Ảnh chân dung 3x4"]),
    ("1.000941", "VH", "Tổ chức biểu diễn nghệ thuật trên địa bàn tỉnh", "Tỉnh", "Toàn trình", 5, "Theo Thông tư 288/2016/TT-BTC", &["Văn bản đề nghị", "Kịch bản, danh mục tác phẩm"]),
    ("1.003853", "TT", "Cấp giấy phép xuất bản bản tin", "Tỉnh", "Toàn trình", 10, "Không thu phí", &[FORM, "Mẫu trình bày tên gọi bản tin"]),
    ("1.004451", "TT", "Cấp giấy phép hoạt động in", "Tỉnh", "Một phần", 10, "Không thu phí", &[FORM, "Giấy tờ chứng minh cơ sở vật chất"]),
    ("1.003887", "TT", "Cấp giấy phép thiết lập trang thông tin điện tử tổng hợp", "Tỉnh", "Toàn trình", 10, "Không thu phí", &[FORM, "Đề án hoạt động", "Văn bản chấp thuận nguồn tin"]),
    ("1.004587", "TT", "Đăng ký hoạt động cơ sở dịch vụ photocopy", "Huyện", "Toàn trình", 5, "Không thu phí", &["Bản khai đăng ký hoạt động"]),
    ("1.005416", "TC", "Đăng ký thuế lần đầu cho hộ, cá nhân kinh doanh", "Huyện", "Toàn trình", 3, "Không thu phí", &["Tờ khai đăng ký thuế", CCCD]),
    ("2.001633", "TC", "Cấp mã số đơn vị có quan hệ với ngân sách", "Tỉnh", "Toàn trình", 2, "Không thu phí", &["Tờ khai đăng ký mã số", "Quyết định thành lập"]),
    ("1.005432", "TC", "Xác định giá đất cụ thể để tính tiền sử dụng đất", "Tỉnh", "Một phần", 30, "Không thu phí", &["Văn bản đề nghị", "Hồ sơ về thửa đất"]),
    ("2.002167", "TC", "Miễn, giảm tiền thuê đất", "Tỉnh", "Một phần", 15, "Không thu phí", &["Văn bản đề nghị miễn, giảm", "Giấy tờ chứng minh thuộc đối tượng miễn, giảm"]),
];

/// A demo dossier: receipt code, procedure, applicant, phone, days since received, status path.
struct DemoDossier {
    code: &'static str,
    procedure: &'static str,
    name: &'static str,
    phone: &'static str,
    received_days_ago: i64,
    steps: &'static [(&'static str, i64, &'static str)],
    apology: Option<(&'static str, i64)>,
}

/// Dossiers in every status. Steps: (status, days after receipt, note).
const DOSSIERS: &[DemoDossier] = &[
    DemoDossier { code: "H56.22-261120-0001", procedure: "1.001193", name: "Nguyễn Văn An", phone: "0912345678", received_days_ago: 0,
        steps: &[("received", 0, "Tiếp nhận tại quầy 4")], apology: None },
    DemoDossier { code: "H56.22-261118-0002", procedure: "1.004203", name: "Trần Thị Bích Ngọc", phone: "0987654321", received_days_ago: 2,
        steps: &[("received", 0, "Tiếp nhận tại quầy 1"), ("processing", 1, "Chuyển Văn phòng đăng ký đất đai")], apology: None },
    DemoDossier { code: "H56.22-261116-0003", procedure: "1.009972", name: "Lê Hoàng Minh", phone: "0905111222", received_days_ago: 4,
        steps: &[("received", 0, "Tiếp nhận tại quầy 3"), ("processing", 1, "Chuyển phòng Quản lý đô thị"), ("needs_supplement", 3, "Bổ sung bản vẽ mặt bằng móng có chữ ký của đơn vị thiết kế")], apology: None },
    DemoDossier { code: "H56.22-261113-0004", procedure: "2.000815", name: "Phạm Thu Hà", phone: "0936777888", received_days_ago: 7,
        steps: &[("received", 0, "Tiếp nhận trực tuyến"), ("processing", 1, "Chuyển Sở Tư pháp"), ("ready", 6, "Kết quả đã về Trung tâm, mời nhận tại quầy 4")], apology: None },
    DemoDossier { code: "H56.22-261110-0005", procedure: "2.001610", name: "Võ Đức Thắng", phone: "0978123456", received_days_ago: 10,
        steps: &[("received", 0, "Tiếp nhận tại quầy 6"), ("processing", 0, "Chuyển phòng Tài chính – Kế hoạch"), ("ready", 2, "Đã có kết quả"), ("returned", 3, "Đã trả kết quả cho công dân")], apology: None },
    DemoDossier { code: "H56.22-261030-0006", procedure: "1.004227", name: "Đặng Thị Lan", phone: "0915222333", received_days_ago: 22,
        steps: &[("received", 0, "Tiếp nhận tại quầy 2"), ("processing", 1, "Chuyển Văn phòng đăng ký đất đai")], apology: None },
    DemoDossier { code: "H56.22-261027-0007", procedure: "1.004199", name: "Bùi Quang Huy", phone: "0934555666", received_days_ago: 25,
        steps: &[("received", 0, "Tiếp nhận tại quầy 1"), ("processing", 1, "Chuyển Văn phòng đăng ký đất đai"), ("processing", 20, "Gia hạn: chờ kết quả đo đạc lại ranh giới thửa đất")],
        apology: Some(("Trung tâm Phục vụ hành chính công tỉnh Minh Hà chân thành xin lỗi ông/bà vì hồ sơ chưa được giải quyết đúng hẹn do phải đo đạc lại ranh giới thửa đất. Ngày hẹn trả kết quả mới được ghi dưới đây.", 5)) },
    DemoDossier { code: "H56.22-261119-0008", procedure: "2.001198", name: "Hoàng Văn Bảy", phone: "0388999000", received_days_ago: 1,
        steps: &[("received", 0, "Tiếp nhận, thu nhận vân tay và ảnh chân dung tại quầy 9"), ("processing", 0, "Chuyển Công an tỉnh")], apology: None },
    DemoDossier { code: "H56.22-261117-0009", procedure: "1.002804", name: "Ngô Thị Mai", phone: "0362444555", received_days_ago: 3,
        steps: &[("received", 0, "Tiếp nhận tại quầy 8"), ("processing", 0, "Chuyển Sở Giao thông vận tải"), ("ready", 3, "Đã có kết quả, mời nhận tại quầy 8")], apology: None },
    DemoDossier { code: "H56.22-261114-0010", procedure: "1.001978", name: "Dương Minh Tuấn", phone: "0356111000", received_days_ago: 6,
        steps: &[("received", 0, "Tiếp nhận tại quầy 7"), ("needs_supplement", 2, "Bổ sung quyết định thôi việc có dấu của đơn vị")], apology: None },
];

/// Loads the demo catalogue and dossiers into an empty database; does nothing if procedures exist.
pub fn seed(conn: &mut Connection, now: Timestamp) -> rusqlite::Result<()> {
    let existing: i64 = conn.query_row("SELECT count(*) FROM procedures", [], |r| r.get(0))?;
    if existing > 0 {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for (code, service, name, level, online, days, fee, docs) in PROCEDURES {
        let docs = serde_json::to_string(docs).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        tx.execute(
            "INSERT INTO procedures (code, name, service, level, online_level, processing_days, fee, documents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![code, name, service, level, online, days, fee, docs],
        )?;
    }
    let day = |n: i64| now.checked_sub(SignedDuration::from_hours(24 * n)).unwrap_or(now);
    for d in DOSSIERS {
        let received = day(d.received_days_ago);
        let processing_days = PROCEDURES.iter().find(|p| p.0 == d.procedure).map_or(5, |p| i64::from(p.5.max(1)));
        let due = received.checked_add(SignedDuration::from_hours(24 * processing_days)).unwrap_or(received);
        let (last, _, _) = d.steps.last().copied().unwrap_or(("received", 0, ""));
        let new_due = d.apology.map(|(_, in_days)| now.checked_add(SignedDuration::from_hours(24 * in_days)).unwrap_or(now));
        let completed = matches!(last, "ready" | "returned").then(|| received + SignedDuration::from_hours(24 * d.steps.last().map_or(0, |s| s.1)));
        tx.execute(
            "INSERT INTO dossiers (receipt_code, procedure_code, applicant_name, applicant_phone, status, received_at_ms, due_at_ms, new_due_at_ms, apology, completed_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![d.code, d.procedure, d.name, d.phone, last, received.as_millisecond(), due.as_millisecond(),
                new_due.map(|t| t.as_millisecond()), d.apology.map(|a| a.0), completed.map(|t| t.as_millisecond())],
        )?;
        for (status, after, note) in d.steps {
            let at = received.checked_add(SignedDuration::from_hours(24 * after)).unwrap_or(received);
            let payload = serde_json::json!({ "kind": "dossier_status", "status": status, "note": note }).to_string();
            tx.execute(
                "INSERT INTO events (at_ms, day, kind, dossier, payload) VALUES (?1, ?2, 'dossier_status', ?3, ?4)",
                params![at.as_millisecond(), at.to_string().get(..10).unwrap_or_default(), d.code, payload],
            )?;
        }
        if let Some(new_due) = new_due {
            let payload = serde_json::json!({ "kind": "dossier_apology", "new_due_at_ms": new_due.as_millisecond() }).to_string();
            tx.execute(
                "INSERT INTO events (at_ms, day, kind, dossier, payload) VALUES (?1, ?2, 'dossier_apology', ?3, ?4)",
                params![now.as_millisecond(), now.to_string().get(..10).unwrap_or_default(), d.code, payload],
            )?;
        }
    }
    tx.commit()
}

/// Receipt codes of the demo dossiers, with their last status, for the start-up banner.
pub fn dossier_codes() -> impl Iterator<Item = (&'static str, &'static str)> {
    DOSSIERS.iter().map(|d| (d.code, d.steps.last().map_or("received", |s| s.0)))
}

/// A short description of a demo dossier's situation, for the start-up banner.
pub fn dossier_situation(code: &str) -> &'static str {
    let Some(d) = DOSSIERS.iter().find(|d| d.code == code) else { return "" };
    let days = PROCEDURES.iter().find(|p| p.0 == d.procedure).map_or(5, |p| i64::from(p.5.max(1)));
    let finished = d.steps.last().is_some_and(|s| matches!(s.0, "ready" | "returned"));
    match (d.apology.is_some(), !finished && d.received_days_ago > days) {
        (true, _) => "(trễ hẹn, đã xin lỗi và hẹn lại)",
        (false, true) => "(quá hạn)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::config::Config;

    #[test]
    fn the_catalogue_covers_every_field_with_unique_codes() {
        let config = Config::demo();
        assert!(PROCEDURES.len() >= 60);
        let codes: HashSet<&str> = PROCEDURES.iter().map(|p| p.0).collect();
        assert_eq!(codes.len(), PROCEDURES.len(), "procedure codes are unique");
        for service in &config.centre.services {
            let n = PROCEDURES.iter().filter(|p| p.1 == service.code.as_str()).count();
            assert!(n >= 4, "{} has {n} procedures", service.code);
        }
        assert!(PROCEDURES.iter().all(|p| !p.7.is_empty()), "every procedure lists documents");
    }

    #[test]
    fn dossiers_cover_every_status_and_reference_real_procedures() {
        let last: HashSet<&str> = dossier_codes().map(|(_, s)| s).collect();
        for status in ["received", "processing", "needs_supplement", "ready", "returned"] {
            assert!(last.contains(status), "{status}");
        }
        for d in DOSSIERS {
            assert!(PROCEDURES.iter().any(|p| p.0 == d.procedure), "{}", d.code);
            assert!(crate::domain::ReceiptCode::parse(d.code).is_ok(), "{}", d.code);
        }
    }
}
