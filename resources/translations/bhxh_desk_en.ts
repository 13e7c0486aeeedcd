<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="vi">
<context>
    <name/>
    <message>
        <location filename="../../app/ui/lease_keeper.py" line="95"/>
        <source>Đang được {0} sửa từ {1}: chỉ xem được cho tới khi người đó đóng hồ sơ.</source>
        <translation>Being edited by {0} since {1}: read-only until they close it.</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="29"/>
        <source>Đồng ý</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="30"/>
        <location filename="../../app/ui/signing_dialog.py" line="104"/>
        <source>Hủy</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="41"/>
        <location filename="../../app/ui/main_window.py" line="51"/>
        <source>Đơn vị</source>
        <translation>Unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="79"/>
        <location filename="../../app/ui/main_window.py" line="185"/>
        <source>Hồ sơ mới</source>
        <translation>New dossier</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="83"/>
        <source> (chưa xác nhận)</source>
        <translation> (unconfirmed)</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="88"/>
        <location filename="../../app/ui/main_window.py" line="51"/>
        <source>Thủ tục</source>
        <translation>Procedure</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="89"/>
        <source>Kỳ kê khai (MM/yyyy)</source>
        <translation>Period (MM/yyyy)</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="100"/>
        <location filename="../../app/ui/main_window.py" line="197"/>
        <source>Cài đặt</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="147"/>
        <source>Lưu tệp…</source>
        <translation>Save file…</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="148"/>
        <location filename="../../app/ui/otp_dialog.py" line="44"/>
        <location filename="../../app/ui/signing_dialog.py" line="188"/>
        <source>Đóng</source>
        <translation>Close</translation>
    </message>
    <message>
        <location filename="../../app/ui/dialogs.py" line="158"/>
        <source>Lưu tệp</source>
        <translation>Save file</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="64"/>
        <source>{0}: quỹ lương {1} đ · người lao động đóng {2} đ · đơn vị đóng {3} đ</source>
        <translation>{0}: salary fund {1} VND · employees pay {2} VND · the unit pays {3} VND</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="76"/>
        <source>Sửa ô {0}</source>
        <translation>Edit cell {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="88"/>
        <source>Thêm dòng</source>
        <translation>Add row</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="100"/>
        <source>Xóa dòng</source>
        <translation>Delete row</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="115"/>
        <source>Sửa phụ lục</source>
        <translation>Edit appendix</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="129"/>
        <source>Nhập từ Excel</source>
        <translation>Import from Excel</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="198"/>
        <location filename="../../app/ui/editor.py" line="302"/>
        <source>+ Thêm dòng</source>
        <translation>+ Add row</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="302"/>
        <source>− Xóa dòng</source>
        <translation>− Delete row</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="234"/>
        <source>Biểu mẫu chưa được xác nhận theo tài liệu chính thức</source>
        <translation>Form not yet confirmed against official documents</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="269"/>
        <source>Dán từ Excel</source>
        <translation>Paste from Excel</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="319"/>
        <source>Kỳ kê khai</source>
        <translation>Period</translation>
    </message>
    <message>
        <location filename="../../app/ui/editor.py" line="375"/>
        <source>Điền từ sổ lao động</source>
        <translation>Fill from the employee register</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="51"/>
        <source>Kỳ</source>
        <translation>Period</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="51"/>
        <source>Trạng thái</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="51"/>
        <source>Số hồ sơ</source>
        <translation>Dossier no.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="51"/>
        <source>Số dòng</source>
        <translation>Rows</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="52"/>
        <source>Cập nhật</source>
        <translation>Updated</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="91"/>
        <source> — CHẾ ĐỘ THỬ NGHIỆM</source>
        <translation> — TEST MODE</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="100"/>
        <source>CHẾ ĐỘ THỬ NGHIỆM — đang khởi động cổng tiếp nhận thử nghiệm…</source>
        <translation>TEST MODE — starting the sandbox gateway…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="108"/>
        <source>Tìm đơn vị (mã, tên, MST)</source>
        <translation>Find a unit (code, name, tax code)</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="115"/>
        <source>&lt;b&gt;Đơn vị / khách hàng&lt;/b&gt;</source>
        <translation>&lt;b&gt;Units / clients&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="103"/>
        <source>Mọi trạng thái</source>
        <translation>All states</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="202"/>
        <source>Thao tác</source>
        <translation>Actions</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="184"/>
        <source>Đơn vị mới</source>
        <translation>New unit</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="186"/>
        <source>Hoàn tác</source>
        <translation>Undo</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="187"/>
        <source>Làm lại</source>
        <translation>Redo</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="188"/>
        <source>Ký số…</source>
        <translation>Sign…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="189"/>
        <source>Mã xác thực…</source>
        <translation>Transaction code…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="190"/>
        <source>Nộp hồ sơ</source>
        <translation>Submit</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="191"/>
        <source>Đồng bộ</source>
        <translation>Sync</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="192"/>
        <source>Xem biên nhận, kết quả</source>
        <translation>Receipt and result</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="193"/>
        <source>Nhập Excel…</source>
        <translation>Import Excel…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="194"/>
        <source>Xuất Excel…</source>
        <translation>Export Excel…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="195"/>
        <source>In…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="196"/>
        <source>Lưu PDF…</source>
        <translation>Save PDF…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="199"/>
        <location filename="../../app/ui/main_window.py" line="229"/>
        <source>Giới thiệu bhxh-desk</source>
        <translation>About bhxh-desk</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="200"/>
        <source>Thoát</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="213"/>
        <source>&amp;Tệp</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="215"/>
        <source>&amp;Hồ sơ</source>
        <translation>&amp;Dossier</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="216"/>
        <source>&amp;Ký và nộp</source>
        <translation>&amp;Sign and file</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="217"/>
        <source>T&amp;rợ giúp</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="230"/>
        <source>bhxh-desk {0}
Lập, kiểm tra, ký số và nộp hồ sơ giao dịch điện tử Bảo hiểm xã hội.</source>
        <translation>bhxh-desk {0}
Draft, check, sign and file Vietnam Social Security e-transactions.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="246"/>
        <source>CHẾ ĐỘ THỬ NGHIỆM — hồ sơ được nộp vào cổng thử nghiệm {0}, không gửi tới BHXH. USB token thử nghiệm: PIN {1}. Tài khoản {2}, mật khẩu {3}.</source>
        <translation>TEST MODE — dossiers go to the sandbox gateway {0}, never to BHXH. Test USB token: PIN {1}. Account {2}, password {3}.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="271"/>
        <source>Tất cả đơn vị</source>
        <translation>All units</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="298"/>
        <source>Chờ gửi {0} · Đang gửi {1} · Đã tiếp nhận {2} · Có kết quả {3}</source>
        <translation>Queued {0} · Sending {1} · Received {2} · Result {3}</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="319"/>
        <source>Hãy chọn hoặc tạo một đơn vị trước.</source>
        <translation>Choose or create a unit first.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="391"/>
        <source>Chọn các hồ sơ hợp lệ cần ký.</source>
        <translation>Select the valid dossiers to sign.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="393"/>
        <source>PIN thử nghiệm: {0}</source>
        <translation>Test PIN: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="408"/>
        <source>Chọn một hồ sơ cá nhân hợp lệ để xác thực bằng mã OTP.</source>
        <translation>Select one valid individual dossier to confirm with an OTP.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="261"/>
        <source>Mật khẩu cổng tiếp nhận của {0}</source>
        <translation>Gateway password for {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="418"/>
        <source>Chọn các hồ sơ đã ký cần nộp.</source>
        <translation>Select the signed dossiers to submit.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="450"/>
        <source>Đã nộp {0}/{1} hồ sơ.</source>
        <translation>Submitted {0} of {1} dossiers.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="457"/>
        <source>Đang nộp hồ sơ…</source>
        <translation>Submitting…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="497"/>
        <source>Hồ sơ này chưa được nộp.</source>
        <translation>This dossier has not been submitted.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="501"/>
        <source>Số hồ sơ: {0}</source>
        <translation>Dossier no.: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="501"/>
        <source>Thời điểm tiếp nhận: {0}</source>
        <translation>Received at: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="502"/>
        <source>Trạng thái: {0}</source>
        <translation>State: {0}</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="506"/>
        <source>Văn bản kết quả (chữ ký đã được xác minh)</source>
        <translation>Result document (signature verified)</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="507"/>
        <source>Văn bản kết quả (CHƯA xác minh được chữ ký)</source>
        <translation>Result document (signature NOT verified)</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="508"/>
        <source>Biên nhận và kết quả</source>
        <translation>Receipt and result</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="584"/>
        <location filename="../../app/ui/main_window.py" line="624"/>
        <location filename="../../app/ui/main_window.py" line="647"/>
        <source>Hãy mở một hồ sơ trước.</source>
        <translation>Open a dossier first.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="587"/>
        <source>Nhập Excel</source>
        <translation>Import Excel</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="599"/>
        <source>Đã nhập {0} dòng vào {1}.</source>
        <translation>Imported {0} rows into {1}.</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="603"/>
        <source>Kết quả nhập Excel</source>
        <translation>Excel import report</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="611"/>
        <source>Xuất Excel</source>
        <translation>Export Excel</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="627"/>
        <source>Lưu PDF</source>
        <translation>Save PDF</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="635"/>
        <source>Đã lưu {0} ({1} trang)</source>
        <translation>Saved {0} ({1} pages)</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="663"/>
        <source>Cài đặt đã lưu; một số thay đổi có hiệu lực khi mở lại.</source>
        <translation>Settings saved; some take effect after a restart.</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="75"/>
        <source>Ký số hồ sơ</source>
        <translation>Sign dossiers</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="95"/>
        <source>Đang tìm USB token…</source>
        <translation>Looking for USB tokens…</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="100"/>
        <source>Ký {0} hồ sơ</source>
        <translation>Sign {0} dossiers</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="108"/>
        <source>Chứng thư số</source>
        <translation>Certificate</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="109"/>
        <source>Mã PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="138"/>
        <source>Nhập mã PIN rồi bấm Ký.</source>
        <translation>Type the PIN, then press Sign.</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="117"/>
        <source>Tôi biết đây là lần thử PIN cuối cùng: nhập sai nữa token sẽ bị khóa</source>
        <translation>I know this is the last PIN try: another wrong PIN locks the token</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="147"/>
        <source>Trạng thái PIN</source>
        <translation>PIN state</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="185"/>
        <source>Đang kiểm tra chứng thư số…</source>
        <translation>Checking the certificate…</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="154"/>
        <source>Đang ký…</source>
        <translation>Signing…</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="173"/>
        <source>Nhập lại mã PIN rồi bấm Ký.</source>
        <translation>Type the PIN again, then press Sign.</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="180"/>
        <source>Đã ký {0}/{1} hồ sơ</source>
        <translation>Signed {0} of {1} dossiers</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="183"/>
        <source>Đã ký {0}/{1} hồ sơ.</source>
        <translation>Signed {0} of {1} dossiers.</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="203"/>
        <source>Đang dừng…</source>
        <translation>Stopping…</translation>
    </message>
    <message>
        <location filename="../../app/ui/otp_dialog.py" line="23"/>
        <source>Mã xác thực giao dịch (OTP)</source>
        <translation>Transaction code (OTP)</translation>
    </message>
    <message>
        <location filename="../../app/ui/otp_dialog.py" line="25"/>
        <source>Bấm Gửi mã: cơ quan BHXH gửi mã 6 chữ số qua SMS tới số điện thoại đã đăng ký.</source>
        <translation>Press Send code: BHXH sends a 6-digit code by SMS to the registered phone.</translation>
    </message>
    <message>
        <location filename="../../app/ui/otp_dialog.py" line="37"/>
        <source>Gửi mã</source>
        <translation>Send code</translation>
    </message>
    <message>
        <location filename="../../app/ui/otp_dialog.py" line="40"/>
        <source>Xác nhận</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <location filename="../../app/ui/otp_dialog.py" line="47"/>
        <source>Mã xác thực</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../../app/ui/otp_dialog.py" line="81"/>
        <source>Đang gửi yêu cầu…</source>
        <translation>Sending the request…</translation>
    </message>
    <message>
        <location filename="../../app/ui/otp_dialog.py" line="86"/>
        <source>Đã gửi mã tới {0}; mã hết hạn lúc {1}. Nhập mã rồi bấm Xác nhận.</source>
        <translation>Code sent to {0}; it expires at {1}. Type it, then press Confirm.</translation>
    </message>
    <message>
        <location filename="../../app/ui/otp_dialog.py" line="89"/>
        <source>Hộp thư SMS của cổng thử nghiệm: </source>
        <translation>Sandbox SMS outbox: </translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="452"/>
        <source>Bị từ chối: {0}.</source>
        <translation>Refused: {0}.</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="94"/>
        <source>Chỉ khi đại lý ký thay đơn vị có mã số thuế khác</source>
        <translation>Only when an agent signs for a unit with another tax code</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="454"/>
        <source>Chờ gửi lại: {0}.</source>
        <translation>Waiting to be sent again: {0}.</translation>
    </message>
    <message>
        <location filename="../../app/ui/signing_dialog.py" line="110"/>
        <source>Lý do ký thay</source>
        <translation>Reason for signing on the unit's behalf</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>theo tên trường XML</source>
        <translation>by its XML field name</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>theo nhãn của biểu mẫu</source>
        <translation>by the form's label</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>theo tên gọi khác</source>
        <translation>by another common name</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>chọn tay</source>
        <translation>chosen by hand</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>không khớp trường nào</source>
        <translation>matches no field</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>trường đã lấy từ cột khác</source>
        <translation>field already taken from another column</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>có dữ liệu nhưng không có tiêu đề</source>
        <translation>has data but no header</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Nhập Excel: {0} → {1}</source>
        <translation>Excel import: {0} → {1}</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Cột</source>
        <translation>Column</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Tiêu đề trong tệp</source>
        <translation>Header in the file</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Trường của biểu mẫu</source>
        <translation>Form field</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Cách nhận</source>
        <translation>Matched</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Nhập</source>
        <translation>Import</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Đang đọc {0}…</source>
        <translation>Reading {0}…</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Cột ({0})</source>
        <translation>Columns ({0})</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Chuyển đổi ({0})</source>
        <translation>Conversions ({0})</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Ô bị từ chối ({0})</source>
        <translation>Refused cells ({0})</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Cột không dùng ({0})</source>
        <translation>Unused columns ({0})</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>{0} dòng sẽ được nhập vào {1}; {2} ô được chuyển đổi, {3} cột không dùng. Chưa có gì được ghi cho tới khi bấm Nhập.</source>
        <translation>{0} rows will be imported into {1}; {2} cells converted, {3} columns not used. Nothing is written until you click Import.</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>Nhập {0} dòng</source>
        <translation>Import {0} rows</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>(không có tiêu đề)</source>
        <translation>(no header)</translation>
    </message>
    <message>
        <location filename="../../app/ui/import_dialog.py"/>
        <source>— không dùng —</source>
        <translation>— not used —</translation>
    </message>
    <message>
        <source>(không ghi loại)</source>
        <translation>(no kind given)</translation>
    </message>
    <message>
        <source>Bấm Gửi mã để nhận mã mới.</source>
        <translation>Press Send code to get a new code.</translation>
    </message>
    <message>
        <source>Bỏ</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Bỏ tệp {0} khỏi hồ sơ</source>
        <translation>Remove {0} from the dossier</translation>
    </message>
    <message>
        <source>CHƯA xác minh được</source>
        <translation>NOT verified</translation>
    </message>
    <message>
        <source>Chưa cài máy in nào trên máy này: hãy cài máy in, hoặc bấm Lưu PDF rồi in tệp PDF ở máy khác.</source>
        <translation>No printer is installed on this computer: install one, or press Save PDF and print the PDF elsewhere.</translation>
    </message>
    <message>
        <source>Chưa có hồ sơ nào được nộp</source>
        <translation>No dossier filed yet</translation>
    </message>
    <message>
        <source>Chọn tệp đính kèm</source>
        <translation>Choose an attachment</translation>
    </message>
    <message>
        <source>Chữ ký văn bản kết quả</source>
        <translation>The result's signature</translation>
    </message>
    <message>
        <source>Cập nhật lần cuối</source>
        <translation>Last updated</translation>
    </message>
    <message>
        <source>Dung lượng</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Giấy tờ (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.doc *.docx *.xls *.xlsx)</source>
        <translation>Documents (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.doc *.docx *.xls *.xlsx)</translation>
    </message>
    <message>
        <source>Gửi lại mã</source>
        <translation>Send again</translation>
    </message>
    <message>
        <source>Gửi lại mã ({0} giây)</source>
        <translation>Send again ({0} s)</translation>
    </message>
    <message>
        <source>Hãy chọn một hồ sơ.</source>
        <translation>Choose one dossier.</translation>
    </message>
    <message>
        <source>Hãy chọn một đơn vị.</source>
        <translation>Choose a unit.</translation>
    </message>
    <message>
        <source>Hãy chọn thủ tục.</source>
        <translation>Choose a procedure.</translation>
    </message>
    <message>
        <source>Hãy chọn đơn vị.</source>
        <translation>Choose the unit.</translation>
    </message>
    <message>
        <source>Hãy tạo một đơn vị trước (Tệp → Đơn vị mới).</source>
        <translation>Create a unit first (File → New unit).</translation>
    </message>
    <message>
        <source>Hồ sơ chỉ xem</source>
        <translation>View-only dossier</translation>
    </message>
    <message>
        <source>Hồ sơ chỉ xem: không thêm hay bớt tệp được.</source>
        <translation>View-only dossier: files cannot be added or removed.</translation>
    </message>
    <message>
        <source>Hồ sơ khai người này không còn trong máy.</source>
        <translation>The dossier that declared this person is no longer on this computer.</translation>
    </message>
    <message>
        <source>Hồ sơ {0}: {1}</source>
        <translation>Dossier {0}: {1}</translation>
    </message>
    <message>
        <source>In hồ sơ</source>
        <translation>Print the dossier</translation>
    </message>
    <message>
        <source>Khai lần cuối</source>
        <translation>Last declared</translation>
    </message>
    <message>
        <source>Không in được tới máy in {0}.</source>
        <translation>Could not print to printer {0}.</translation>
    </message>
    <message>
        <source>Loại giấy tờ</source>
        <translation>Kind of document</translation>
    </message>
    <message>
        <source>Mở hồ sơ</source>
        <translation>Open dossier</translation>
    </message>
    <message>
        <source>Mở hồ sơ đã khai</source>
        <translation>Open the declaring dossier</translation>
    </message>
    <message>
        <source>Ngày xử lý</source>
        <translation>Decided on</translation>
    </message>
    <message>
        <source>Nhập lại mã đúng, hoặc bấm Gửi lại mã để nhận mã mới.</source>
        <translation>Type the right code again, or press Send again for a new code.</translation>
    </message>
    <message>
        <source>Sao chép thành hồ sơ mới</source>
        <translation>Copy into a new dossier</translation>
    </message>
    <message>
        <source>Sao chép thành hồ sơ mới để điều chỉnh?</source>
        <translation>Copy it into a new dossier to correct it?</translation>
    </message>
    <message>
        <source>Sổ lao động của đơn vị</source>
        <translation>The unit's employees</translation>
    </message>
    <message>
        <source>Sổ lao động — {0} ({1})</source>
        <translation>Employees — {0} ({1})</translation>
    </message>
    <message>
        <source>Sửa hồ sơ</source>
        <translation>Change the dossier</translation>
    </message>
    <message>
        <source>Sửa hồ sơ…</source>
        <translation>Change…</translation>
    </message>
    <message>
        <source>Thêm tệp…</source>
        <translation>Add file…</translation>
    </message>
    <message>
        <source>Thời điểm tiếp nhận</source>
        <translation>Received at</translation>
    </message>
    <message>
        <source>Thủ tục của cá nhân</source>
        <translation>Procedures for individuals</translation>
    </message>
    <message>
        <source>Thủ tục của đơn vị</source>
        <translation>Procedures for units</translation>
    </message>
    <message>
        <source>Tìm theo tên, mã số BHXH hoặc CCCD</source>
        <translation>Search by name, social insurance number or ID</translation>
    </message>
    <message>
        <source>Tìm thủ tục: mã hoặc tên (↑↓ để chọn)</source>
        <translation>Search procedures: code or name (↑↓ to choose)</translation>
    </message>
    <message>
        <source>Tệp</source>
        <translation>File</translation>
    </message>
    <message>
        <source>Tệp XML của kết quả</source>
        <translation>The result's XML file</translation>
    </message>
    <message>
        <source>Tệp XML đã nộp</source>
        <translation>The filed XML file</translation>
    </message>
    <message>
        <source>Tệp hồ sơ bhxh-desk (*.json)</source>
        <translation>bhxh-desk dossier file (*.json)</translation>
    </message>
    <message>
        <source>Tệp đính kèm — {0} · {1}</source>
        <translation>Attachments — {0} · {1}</translation>
    </message>
    <message>
        <source>Tệp đính kèm…</source>
        <translation>Attachments…</translation>
    </message>
    <message>
        <source>Xem trước khi in — {0}</source>
        <translation>Print preview — {0}</translation>
    </message>
    <message>
        <source>Xem trước và in…</source>
        <translation>Preview and print…</translation>
    </message>
    <message>
        <source>Xem tệp XML</source>
        <translation>View XML file</translation>
    </message>
    <message>
        <source>Xuất tệp hồ sơ</source>
        <translation>Export dossier file</translation>
    </message>
    <message>
        <source>Xuất tệp hồ sơ (.json)…</source>
        <translation>Export dossier file (.json)…</translation>
    </message>
    <message>
        <source>Xác nhận và nộp</source>
        <translation>Confirm and file</translation>
    </message>
    <message>
        <source>Xóa hồ sơ</source>
        <translation>Delete dossier</translation>
    </message>
    <message>
        <source>Xóa hồ sơ…</source>
        <translation>Delete dossier…</translation>
    </message>
    <message>
        <source>Xóa {0} hồ sơ? Không hoàn tác được.</source>
        <translation>Delete {0} dossier(s)? This cannot be undone.</translation>
    </message>
    <message>
        <source>{0} người</source>
        <translation>{0} people</translation>
    </message>
    <message>
        <source>{0} trang.</source>
        <translation>{0} pages.</translation>
    </message>
    <message>
        <source>Đang dàn trang…</source>
        <translation>Laying out pages…</translation>
    </message>
    <message>
        <source>Đang xác nhận mã với cổng tiếp nhận…</source>
        <translation>Confirming the code with the gateway…</translation>
    </message>
    <message>
        <source>Đã gửi mã tới {0}; mã hết hạn lúc {1}. Nhập mã rồi nhấn Enter.</source>
        <translation>Code sent to {0}; it expires at {1}. Type it and press Enter.</translation>
    </message>
    <message>
        <source>Đã gửi {0} trang tới máy in {1}.</source>
        <translation>Sent {0} pages to printer {1}.</translation>
    </message>
    <message>
        <source>Đã lưu {0}</source>
        <translation>Saved {0}</translation>
    </message>
    <message>
        <source>Đã sao chép thành hồ sơ mới; hồ sơ gốc giữ nguyên.</source>
        <translation>Copied into a new dossier; the original is unchanged.</translation>
    </message>
    <message>
        <source>Đã xuất {0}</source>
        <translation>Exported {0}</translation>
    </message>
    <message>
        <source>Đã xác nhận mã; hồ sơ chờ gửi khi kết nối được cổng tiếp nhận.</source>
        <translation>Code confirmed; the dossier is sent when the gateway can be reached.</translation>
    </message>
    <message>
        <source>đã xác minh</source>
        <translation>verified</translation>
    </message>
    <message>
        <source>Hồ sơ chưa có dòng nào để in.</source>
        <translation>The dossier has no row to print yet.</translation>
    </message>
    <message>
        <source>Chuyển giữa danh sách hồ sơ và bảng</source>
        <translation>Switch between the dossier list and the grid</translation>
    </message>
    <message>
        <source>Đã yêu cầu mã cho hồ sơ này: nhập mã trong tin nhắn rồi nhấn Enter, hoặc bấm Gửi lại mã.</source>
        <translation>A code was asked for this dossier: type the code from the message and press Enter, or press Send again.</translation>
    </message>
    <message>
        <source>Bắt buộc</source>
        <translation>Required</translation>
    </message>
    <message>
        <source>Bắt buộc khi «{0}» là {1}</source>
        <translation>Required when “{0}” is {1}</translation>
    </message>
    <message>
        <source>Chỉ các mục thuộc «{0}» của dòng</source>
        <translation>Only the entries within the row's “{0}”</translation>
    </message>
    <message>
        <source>Chọn</source>
        <translation>Choose</translation>
    </message>
    <message>
        <source>Danh mục chưa đầy đủ: mã đúng dạng vẫn được nhận, kèm cảnh báo</source>
        <translation>The list is incomplete: a code of the right form is accepted, with a warning</translation>
    </message>
    <message>
        <source>Giữ như đã gõ</source>
        <translation>Keep as typed</translation>
    </message>
    <message>
        <source>Không còn dùng</source>
        <translation>No longer used</translation>
    </message>
    <message>
        <source>Mã số BHXH: 10 chữ số</source>
        <translation>BHXH number: 10 digits</translation>
    </message>
    <message>
        <source>Mã số thuế: 10 chữ số, hoặc 10 chữ số-3 chữ số với chi nhánh</source>
        <translation>Tax code: 10 digits, or 10 digits-3 digits for a branch</translation>
    </message>
    <message>
        <source>Một mã của danh mục «{0}» ({1} mục): gõ mã hoặc tên, Alt+↓ để xem danh sách</source>
        <translation>A code of the list “{0}” ({1} entries): type the code or the name, Alt+↓ shows the list</translation>
    </message>
    <message>
        <source>Ngày sinh dd/mm/yyyy, hoặc mm/yyyy hay yyyy khi chỉ biết đến đó</source>
        <translation>Date of birth dd/mm/yyyy, or mm/yyyy or yyyy when only that is known</translation>
    </message>
    <message>
        <source>Ngày, dạng dd/mm/yyyy</source>
        <translation>A date, dd/mm/yyyy</translation>
    </message>
    <message>
        <source>Quy tắc: </source>
        <translation>Rule: </translation>
    </message>
    <message>
        <source>Số CCCD 12 chữ số hoặc CMND 9 chữ số</source>
        <translation>CCCD number of 12 digits or CMND of 9 digits</translation>
    </message>
    <message>
        <source>Số nguyên</source>
        <translation>A whole number</translation>
    </message>
    <message>
        <source>Số tiền (đồng), hoặc hệ số lương (từ 100 trở xuống)</source>
        <translation>An amount in đồng, or a pay-scale coefficient (100 or less)</translation>
    </message>
    <message>
        <source>Số tiền (đồng), số nguyên</source>
        <translation>An amount in đồng, a whole number</translation>
    </message>
    <message>
        <source>Số điện thoại</source>
        <translation>A phone number</translation>
    </message>
    <message>
        <source>Tháng, dạng MM/yyyy</source>
        <translation>A month, MM/yyyy</translation>
    </message>
    <message>
        <source>Tìm dòng theo họ tên, mã số BHXH hoặc CCCD (Enter: tiếp, Esc: đóng)</source>
        <translation>Find a row by name, BHXH number or CCCD (Enter: next, Esc: close)</translation>
    </message>
    <message>
        <source>Tối đa {0} ký tự</source>
        <translation>At most {0} characters</translation>
    </message>
    <message>
        <source>Từ {0} đến {1}</source>
        <translation>From {0} to {1}</translation>
    </message>
    <message>
        <source>Tỷ lệ phần trăm, từ 0 đến 100</source>
        <translation>A percentage, 0 to 100</translation>
    </message>
    <message>
        <source>Vùng lương tối thiểu điền sẵn vào mỗi dòng mới của đơn vị này</source>
        <translation>The minimum-wage zone filled into each new row of this unit</translation>
    </message>
    <message>
        <source>Xóa ô</source>
        <translation>Clear cells</translation>
    </message>
    <message>
        <source>gõ mã hoặc tên…</source>
        <translation>type a code or a name…</translation>
    </message>
    <message>
        <source>«{0}» ứng với nhiều mục của «{1}». Hãy chọn một:</source>
        <translation>“{0}” matches several entries of “{1}”. Choose one:</translation>
    </message>
    <message>
        <source>Địa chỉ thư điện tử</source>
        <translation>An e-mail address</translation>
    </message>
    <message>
        <source>Vùng: chưa chọn</source>
        <translation>Zone: not chosen</translation>
    </message>
</context>
</TS>